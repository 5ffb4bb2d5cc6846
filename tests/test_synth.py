"""The synthetic city: deterministic files, valid and consistent people, plausible shares, sane
households, and an idempotent bulk load that search can find."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from minzheng.accounts.models import Role, User
from minzheng.core import crypto, idcard
from minzheng.core.models import AuditEvent
from minzheng.people.models import Household, HouseholdMember, Person
from minzheng.people.pinyin import SURNAMES as SURNAME_READINGS
from minzheng.people.pinyin import name_pinyin
from minzheng.people.selectors import search_people
from minzheng.regions.models import Region
from minzheng.synth import generator, names
from minzheng.synth.generator import generate_city, luhn_accounts, resident_ids
from minzheng.synth.loader import ManifestMismatch, load_city

AS_OF = dt.date(2024, 1, 1)
AS_OF_DAY = int(np.datetime64(AS_OF, "D").astype(np.int64))


def read(city_dir, name):
    return pq.read_table(city_dir / f"{name}.parquet")


def ages(people) -> np.ndarray:
    birth = people["birth_date"].to_numpy().astype("datetime64[D]")
    return generator._age_years(AS_OF_DAY, birth.astype(np.int64))


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A 20,000-person city: large enough for shares to settle within a few points."""
    out = tmp_path_factory.mktemp("city20k")
    generate_city(persons=20_000, seed=2016, out_dir=out, as_of=AS_OF)
    return out


@pytest.fixture(scope="module")
def small_city(tmp_path_factory):
    out = tmp_path_factory.mktemp("city3k")
    generate_city(persons=3_000, seed=7, out_dir=out, as_of=AS_OF)
    return out


# --------------------------------------------------------------------------------------------
# Generation


@pytest.mark.db_independent
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = generate_city(persons=3_000, seed=11, out_dir=tmp_path / "a", as_of=AS_OF)
    b = generate_city(persons=3_000, seed=11, out_dir=tmp_path / "b", as_of=AS_OF)
    c = generate_city(persons=3_000, seed=12, out_dir=tmp_path / "c", as_of=AS_OF)
    assert a["checksum"] == b["checksum"]
    for name in ("villages", "households", "persons", "members"):
        assert (tmp_path / "a" / f"{name}.parquet").read_bytes() == (
            tmp_path / "b" / f"{name}.parquet"
        ).read_bytes()
    assert (tmp_path / "a" / "manifest.json").read_bytes() == (
        tmp_path / "b" / "manifest.json"
    ).read_bytes()
    assert c["checksum"] != a["checksum"]
    # The villages are the city's, not the draw's: every seed lives in the same ones.
    assert c["files"]["villages.parquet"]["sha256"] == a["files"]["villages.parquet"]["sha256"]
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["persons"] == 3_000


@pytest.mark.db_independent
@pytest.mark.parametrize("persons", [1, 2, 7, 1_001])
def test_exact_person_count(tmp_path, persons):
    manifest = generate_city(persons=persons, seed=3, out_dir=tmp_path, as_of=AS_OF)
    assert (
        manifest["persons"]
        == persons
        == read(tmp_path, "persons").num_rows
        == read(tmp_path, "members").num_rows
    )
    assert read(tmp_path, "households")["size"].to_numpy().sum() == persons


@pytest.mark.db_independent
def test_every_id_valid_and_consistent(city):
    people = read(city, "persons")
    ids = people["id_number"].to_pylist()
    assert len(set(ids)) == len(ids)
    for number, birth, sex, village in zip(
        ids,
        people["birth_date"].to_pylist(),
        people["sex"].to_pylist(),
        people["village_code"].to_pylist(),
    ):
        parsed = idcard.parse(number)
        assert parsed.number == number
        assert parsed.birth_date == birth
        assert parsed.sex == sex
        assert parsed.address_code == village[:6]
    counties = Counter(number[:6] for number in ids)
    assert set(counties) == {
        "420802",
        "420804",
        "420821",
        "420822",
        "420881",
    }  # 京山 under its 2016 code


@pytest.mark.db_independent
@pytest.mark.parametrize(
    "county, birth, males, females",
    [
        ("420821", "1990-01-01", 499, 0),
        ("420881", "1960-02-29", 250, 249),
        ("420802", "2000-12-31", 1, 1),
    ],
)
def test_resident_ids_unique_within_a_crowded_birthday(county, birth, males, females):
    n = males + females
    male = np.array([True] * males + [False] * females)
    numbers = resident_ids(
        np.full(n, int(county)),
        np.full(n, np.datetime64(birth, "D").astype(np.int64)),
        male,
        seed=1,
    ).to_pylist()
    assert len(set(numbers)) == n
    for number, is_male in zip(numbers, male):
        parsed = idcard.parse(number)
        assert parsed.birth_date.isoformat() == birth and parsed.address_code == county
        assert parsed.sex == ("M" if is_male else "F")


@pytest.mark.db_independent
def test_resident_ids_refuse_more_than_the_sequence_allows():
    # 499 odd sequence numbers (001–997) exist per county, birth date and sex.
    with pytest.raises(ValueError):
        resident_ids(np.full(500, 420802), np.full(500, 7000), np.ones(500, dtype=bool), seed=1)


@pytest.mark.db_independent
@pytest.mark.parametrize(
    "payload, account",
    [
        # From the right, every other payload digit is doubled (digits of the product added):
        # 1→2, 7, 8→7, 9, 3→6, 7, 2→4, 9, 9→9, 7: 67, so the check digit is 3.
        (7992739871, "79927398713"),
        # 622848 + 12 zeros: 8→7, 4, 8→7, 2, 2→4, 6: 30, check digit 0.
        (622848_000000_000000, "6228480000000000000"),
        (1, "18"),  # 1→2: check digit 8
    ],
)
def test_bank_accounts_carry_a_luhn_check_digit(payload, account):
    assert luhn_accounts(np.array([payload], dtype=np.uint64)).to_pylist() == [account]


def _luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return total % 10 == 0


@pytest.mark.db_independent
def test_shares_are_plausible(city):
    people, households = read(city, "persons"), read(city, "households")
    age = ages(people)
    n = people.num_rows
    assert 0.16 <= (age >= 60).mean() <= 0.20  # Hubei 2015: 17.81 %
    assert 0.012 <= (age >= 80).mean() <= 0.03  # 高龄津贴 recipients ≈ 2 %
    urban = pc.sum(pc.equal(people["hukou_type"], "urban")).as_py() / n
    assert 0.53 <= urban <= 0.59  # ≈ 56 %
    disabled = 1 - people["disability_type"].null_count / n
    assert 0.05 <= disabled <= 0.07  # ≈ 6 %
    assert people["disability_type"].null_count == people["disability_grade"].null_count
    assert set(pc.unique(people["disability_grade"].drop_null()).to_pylist()) == {1, 2, 3, 4}
    dead = 1 - people["death_date"].null_count / n
    assert 0.006 <= dead <= 0.02  # 0.6 % a year over two years
    assert 2.8 <= n / households.num_rows <= 3.2
    assert set(households["size"].to_pylist()) == set(range(1, 8))
    zhongxiang = sum(1 for v in people["village_code"].to_pylist() if v.startswith("420881")) / n
    assert abs(zhongxiang - 1_000_000 / 2_910_000) < 0.03
    accounts = households["bank_account"].drop_null().to_pylist()
    assert 0.93 <= len(accounts) / households.num_rows <= 0.97
    assert all(len(a) == 19 and _luhn_ok(a) for a in accounts)


@pytest.mark.db_independent
def test_deaths_are_recent_and_end_the_membership(city):
    people, members = read(city, "persons"), read(city, "members")
    dead = people.filter(pc.is_valid(people["death_date"]))
    assert dead.num_rows > 0
    for birth, death in zip(dead["birth_date"].to_pylist(), dead["death_date"].to_pylist()):
        assert birth <= death < AS_OF
        assert (AS_OF - death).days <= 730
    until = dict(zip(members["id_number"].to_pylist(), members["until"].to_pylist()))
    assert all(
        until[i] == d for i, d in zip(dead["id_number"].to_pylist(), dead["death_date"].to_pylist())
    )
    assert members["until"].null_count == people.num_rows - dead.num_rows
    # The old die more often: the dead are on average decades older than the living.
    assert ages(dead).mean() > ages(people).mean() + 20


@pytest.mark.db_independent
def test_household_composition(city):
    people, members, households = (
        read(city, "persons"),
        read(city, "members"),
        read(city, "households"),
    )
    person = {p["id_number"]: p for p in people.to_pylist()}
    assert sorted(members["id_number"].to_pylist()) == sorted(
        person
    )  # everyone in exactly one household
    by_household: dict[str, list[dict]] = {}
    for m in members.to_pylist():
        by_household.setdefault(m["household_number"], []).append(m)
    assert set(by_household) == set(households["number"].to_pylist())
    age = dict(zip(people["id_number"].to_pylist(), ages(people)))
    for h in households.to_pylist():
        rows = by_household[h["number"]]
        heads = [m for m in rows if m["relation"] == "head"]
        assert len(heads) == 1 and heads[0]["id_number"] == h["head_id_number"]
        assert len(rows) == h["size"]
        assert h["number"] == f"H{h['village_code']}{h['number'][-5:]}"
        head = person[h["head_id_number"]]
        assert age[head["id_number"]] >= 18
        assert all(person[m["id_number"]]["village_code"] == h["village_code"] for m in rows)
        for m in rows:
            other, gap = person[m["id_number"]], age[head["id_number"]] - age[m["id_number"]]
            if m["relation"] == "spouse":
                assert other["sex"] != head["sex"] and age[m["id_number"]] >= 20
            elif m["relation"] == "child":
                assert gap >= 15
            elif m["relation"] == "parent":
                assert gap <= -15
            elif m["relation"] == "grandchild":
                assert gap >= 30
        assert sum(m["relation"] == "spouse" for m in rows) <= 1


@pytest.mark.db_independent
def test_villages_follow_the_code_rules(city):
    villages = read(city, "villages").to_pylist()
    assert 1_000 <= len(villages) <= 2_000
    assert len({v["code"] for v in villages}) == len(villages)
    for v in villages:
        suffix = int(v["code"][9:])
        assert len(v["code"]) == 12 and v["code"][:9] == v["township_code"]
        if v["urban_rural"] == "urban":
            assert 1 <= suffix <= 199 and v["name"].endswith("社区")
        else:
            assert 200 <= suffix <= 399 and v["name"].endswith("村")
        if v["township_code"][6] == "0":  # streets have communities only
            assert v["urban_rural"] == "urban"
    towns = Counter(
        v["township_code"]
        for v in villages
        if v["urban_rural"] == "urban" and v["township_code"][6] == "1"
    )
    assert all(
        1 <= n <= 3 for code, n in towns.items() if code != "420822100"
    )  # 沙洋镇 is 沙洋's urban core
    pops = np.array([v["full_scale_population"] for v in villages])
    assert 1_000 <= np.percentile(pops, 5) and np.percentile(pops, 95) <= 3_000
    assert abs(pops.sum() - generator.FULL_SCALE) < 0.02 * generator.FULL_SCALE
    assert not any(v["township_code"] == "420822450" for v in villages)  # the prison administration


@pytest.mark.db_independent
def test_pinyin_matches_the_registry_rule(city):
    people = read(city, "persons").slice(0, 2_000)
    for name, key in zip(people["name"].to_pylist(), people["name_pinyin"].to_pylist()):
        assert key == name_pinyin(name)
    # The city has people whose surname reads otherwise (曾 zeng), keyed with both readings.
    zeng = pc.starts_with(read(city, "persons")["name"], "曾")
    keys = read(city, "persons").filter(zeng)["name_pinyin"].to_pylist()
    assert keys and all(k.startswith("zeng") and " ceng" in k for k in keys)


def test_bulk_keys_equal_name_pinyin_for_every_surname_and_given_character():
    """The generator's array-built keys and the registry's `name_pinyin` agree for every
    surname the synthetic city uses or the registry reads specially (曾, 单, 尉迟 …), with every
    given-name character, alone and followed by a second one."""
    surnames = sorted({s for s, _ in names.SURNAMES} | set(SURNAME_READINGS))
    given = sorted({c for chars in names.GIVEN_CHARS.values() for c in chars}) + [""]
    s_idx, g1_idx = np.divmod(np.arange(len(surnames) * (len(given) - 1)), len(given) - 1)
    rng = np.random.default_rng(5)
    g2_idx = np.where(
        rng.random(len(s_idx)) < 0.5, len(given) - 1, rng.integers(0, len(given), len(s_idx))
    )
    built, keys = generator.name_keys(surnames, given, s_idx, g1_idx, g2_idx)
    assert len(built) == len(surnames) * (len(given) - 1) > 20_000
    for name, key in zip(built.to_pylist(), keys.to_pylist()):
        assert key == name_pinyin(name), name


# --------------------------------------------------------------------------------------------
# Loading


def _staff(username, role, region):
    return User.objects.create_user(
        username=username, password="pass-word-123", role=role, region=region
    )


@pytest.mark.django_db
def test_load_counts_reload_adds_nothing_and_search_finds(small_city):
    manifest = json.loads((small_city / "manifest.json").read_text())
    calls = []
    result = load_city(
        src_dir=small_city, progress=lambda done, total, message: calls.append((done, total))
    )
    assert result["added"] == {
        "villages": manifest["villages"],
        "persons": 3_000,
        "households": manifest["households"],
        "members": 3_000,
    }
    assert calls[-1][0] == calls[-1][1] and all(a[0] <= b[0] for a, b in zip(calls, calls[1:]))
    assert Person.objects.count() == 3_000
    assert Household.objects.count() == manifest["households"]
    assert HouseholdMember.objects.count() == 3_000
    assert Region.objects.filter(level=Region.Level.VILLAGE).count() == manifest["villages"]
    # One audit event for the batch, none per row.
    assert not AuditEvent.objects.filter(object_type__startswith="people.").exists()
    event = AuditEvent.objects.get(action="import", object_type="synth.city")
    assert event.object_id == manifest["checksum"] and event.after["added"]["persons"] == 3_000

    again = load_city(src_dir=small_city)
    assert again["added"] == {"villages": 0, "persons": 0, "households": 0, "members": 0}
    assert (Person.objects.count(), Household.objects.count(), HouseholdMember.objects.count()) == (
        3_000,
        manifest["households"],
        3_000,
    )
    assert AuditEvent.objects.filter(action="import", object_type="synth.city").count() == 2

    people = read(small_city, "persons").to_pylist()
    sample = people[0]  # the first person lives in 东宝区 龙泉街道
    stored = Person.objects.select_related("hukou_region__parent").get(
        id_hash=crypto.lookup_hash(sample["id_number"])
    )
    assert stored.id_number == sample["id_number"] and stored.id_masked == idcard.mask(
        sample["id_number"]
    )
    assert (stored.name, stored.name_pinyin, stored.sex, stored.birth_date) == (
        sample["name"],
        sample["name_pinyin"],
        sample["sex"],
        sample["birth_date"],
    )
    village = stored.hukou_region
    assert village.code == sample["village_code"] and village.level == "village"
    assert (
        village.path == village.parent.path + village.code + "/"
        and village.urban_rural == sample["hukou_type"]
    )

    township = village.parent
    clerk = _staff("longquan", Role.TOWNSHIP_CLERK, township)
    outsider = _staff("yingzhong", Role.TOWNSHIP_CLERK, Region.objects.get(code="420881001"))
    assert list(search_people(clerk, sample["id_number"])) == [stored]
    assert list(search_people(outsider, sample["id_number"])) == []
    full_pinyin = sample["name_pinyin"].split()[0]
    assert stored in search_people(clerk, full_pinyin)
    assert stored in search_people(clerk, sample["name_pinyin"].split()[1])  # initials

    household = Household.objects.get(number=read(small_city, "households")["number"][0].as_py())
    assert household.memberships.filter(relation="head").count() == 1
    assert household.head == household.memberships.get(relation="head").person
    with_account = Household.objects.exclude(bank_account_cipher="").first()
    assert len(crypto.decrypt(with_account.bank_account_cipher)) == 19
    assert with_account.bank_account_masked == idcard.mask(
        crypto.decrypt(with_account.bank_account_cipher)
    )


@pytest.mark.django_db
def test_interrupted_load_leaves_nothing_and_rerun_completes(small_city):
    def stop_midway(done, total, message):
        if done > total // 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_city(src_dir=small_city, progress=stop_midway)
    assert Person.objects.count() == 0 and Household.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="synth.city").exists()

    load_city(src_dir=small_city)
    assert Person.objects.count() == 3_000 and HouseholdMember.objects.count() == 3_000


@pytest.mark.django_db
def test_reload_repairs_missing_rows_without_duplicates(small_city):
    load_city(src_dir=small_city)
    total_households = Household.objects.count()
    damaged = list(Household.objects.order_by("id")[:10])
    size = HouseholdMember.objects.filter(household__in=damaged).count()
    HouseholdMember.objects.filter(household__in=damaged).delete()
    Household.objects.filter(pk__in=[h.pk for h in damaged]).delete()

    result = load_city(src_dir=small_city)
    assert result["added"] == {"villages": 0, "persons": 0, "households": 10, "members": size}
    assert (
        Household.objects.count() == total_households and HouseholdMember.objects.count() == 3_000
    )
    assert Person.objects.count() == 3_000


@pytest.mark.django_db
def test_tampered_file_is_refused(small_city, tmp_path):
    for path in small_city.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["files"]["persons.parquet"]["sha256"] = "0" * 64
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestMismatch):
        load_city(src_dir=tmp_path)
    assert Person.objects.count() == 0


def _schema(tables):
    from django.db import connection

    with connection.cursor() as cursor:
        shape = {table: connection.introspection.get_constraints(cursor, table) for table in tables}
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT table_name, column_name, column_default FROM information_schema.columns"
                " WHERE table_name = ANY(%s) ORDER BY 1, 2",
                [list(tables)],
            )
            shape["defaults"] = cursor.fetchall()
    return shape


@pytest.mark.django_db
def test_load_leaves_the_schema_as_it_found_it(small_city):
    tables = ("people_person", "people_household", "people_householdmember")
    before = _schema(tables)
    assert before["people_person"]  # constraints and indexes exist to be compared
    load_city(src_dir=small_city)  # on PostgreSQL: the fresh path, which drops and rebuilds them
    assert _schema(tables) == before
    load_city(src_dir=small_city)
    assert _schema(tables) == before


@pytest.mark.django_db
def test_members_in_another_order_are_matched_by_id_number(small_city, tmp_path):
    import hashlib

    import pyarrow as pa

    for path in small_city.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    members = read(small_city, "members")
    shuffled = members.take(pa.array(np.random.default_rng(5).permutation(members.num_rows)))
    pq.write_table(shuffled, tmp_path / "members.parquet")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["files"]["members.parquet"]["sha256"] = hashlib.sha256(
        (tmp_path / "members.parquet").read_bytes()
    ).hexdigest()
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))

    load_city(src_dir=tmp_path)
    expected = {(m["id_number"], m["household_number"], m["relation"]) for m in members.to_pylist()}
    loaded = {
        (crypto.decrypt(cipher), number, relation)
        for cipher, number, relation in HouseholdMember.objects.values_list(
            "person__id_cipher", "household__number", "relation"
        )
    }
    assert loaded == expected


@pytest.mark.django_db
def test_a_refused_row_fails_the_whole_load(small_city, tmp_path):
    import hashlib

    import psycopg
    import pyarrow as pa
    from django.db import IntegrityError

    for path in small_city.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    people = read(small_city, "persons")
    names = people["name"].to_pylist()
    names[-1] = None  # the very last row: refused only when the data is complete
    people = people.set_column(
        people.column_names.index("name"), "name", pa.array(names, pa.string())
    )
    pq.write_table(people, tmp_path / "persons.parquet")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["files"]["persons.parquet"]["sha256"] = hashlib.sha256(
        (tmp_path / "persons.parquet").read_bytes()
    ).hexdigest()
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises((IntegrityError, psycopg.IntegrityError)):
        load_city(src_dir=tmp_path)
    assert (
        Person.objects.count() == 0
        and not AuditEvent.objects.filter(object_type="synth.city").exists()
    )


# The people tables' indexes after a load, as the migrations define them: the fresh path on
# PostgreSQL drops and rebuilds them, so it must rebuild exactly these (name → columns, unique).
PEOPLE_INDEXES = {
    "people_person": {
        "unique_person_id_hash": (["id_hash"], True),
        "people_person_birth_date_e2dd06e1": (["birth_date"], False),
        "people_person_hukou_region_id_0d23949e": (["hukou_region_id"], False),
        "people_person_residence_region_id_23ae5ca9": (["residence_region_id"], False),
    },
    "people_household": {
        "people_household_number_key": (["number"], True),
        "people_household_number_a7956b0b_like": (["number"], False),
        "people_household_head_id_2c39ba85": (["head_id"], False),
        "people_household_region_id_76b6d28a": (["region_id"], False),
    },
    "people_householdmember": {
        "one_current_household_per_person": (["person_id"], True),
        "people_householdmember_household_id_5d283728": (["household_id"], False),
        "people_householdmember_person_id_949cc362": (["person_id"], False),
    },
}


def _indexes(table):
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {
        name: (info["columns"], bool(info["unique"]))
        for name, info in found.items()
        if (info["index"] or info["unique"])
        and not info["primary_key"]
        # SQLite reports a column's inline UNIQUE without its name
        and not name.startswith("__unnamed")
    }


@pytest.mark.django_db
def test_load_leaves_exactly_the_indexes_queries_use(small_city):
    """No LIKE index on the ID hash (only ever compared for equality) and no (name, birth date)
    index next to the birth-date one; the hash compares bytewise on PostgreSQL."""
    from django.db import connection

    load_city(src_dir=small_city)
    assert Person.objects.count() == 3_000
    for table, expected in PEOPLE_INDEXES.items():
        found = _indexes(table)
        if connection.vendor == "sqlite":
            # SQLite keeps the household number's UNIQUE inline (unnamed) and has no LIKE index.
            expected = {
                k: v for k, v in expected.items() if not k.startswith("people_household_number")
            }
        assert found == expected, table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT collation_name FROM information_schema.columns"
                " WHERE table_name = 'people_person' AND column_name = 'id_hash'"
            )
            assert cursor.fetchone() == ("C",)
            cursor.execute(
                "SELECT conrelid::regclass::text, count(*) FILTER (WHERE contype = 'f'),"
                " bool_and(convalidated) FROM pg_constraint"
                " WHERE conrelid::regclass::text = ANY(%s) GROUP BY 1 ORDER BY 1",
                [list(PEOPLE_INDEXES)],
            )
            assert cursor.fetchall() == [
                ("people_household", 2, True),
                ("people_householdmember", 2, True),
                ("people_person", 2, True),
            ]


@pytest.mark.django_db
def test_load_encrypting_in_worker_processes_stores_the_same_values(small_city):
    """Every person and household, loaded with two worker processes encrypting and hashing:
    each ID decrypts to the file's, is found by its keyed hash and is masked as one at a time."""
    load_city(src_dir=small_city, workers=2)
    people = read(small_city, "persons")
    expected = dict(zip(people["id_number"].to_pylist(), people["name"].to_pylist()))
    stored = list(Person.objects.values_list("id_hash", "id_cipher", "id_masked", "name"))
    assert len(stored) == len(expected) == 3_000
    for id_hash, cipher, masked, name in stored:
        number = crypto.decrypt(cipher)
        assert expected[number] == name
        assert id_hash == crypto.lookup_hash(number) and masked == idcard.mask(number)
    households = read(small_city, "households")
    accounts = dict(zip(households["number"].to_pylist(), households["bank_account"].to_pylist()))
    rows = list(
        Household.objects.values_list("number", "bank_account_cipher", "bank_account_masked")
    )
    assert len(rows) == len(accounts)
    for number, cipher, masked in rows:
        account = accounts[number] or ""
        assert crypto.decrypt(cipher) == account and masked == idcard.mask(account)
    assert any(accounts.values()) and not all(accounts.values())  # both kinds were checked
