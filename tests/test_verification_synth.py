"""The synthetic departmental data: deterministic, consistent with the city, with planted
discrepancies that a run finds completely and exactly (recall and precision against the ground
truth), and the `minzheng verify` command from generating the sources to scoring a run."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from minzheng.accounts.models import Role
from minzheng.assistance.selectors import standards_table
from minzheng.assistance.services import load_default_standards
from minzheng.cases.models import Authorisation, Case, Channel, Document, DocumentKind, State
from minzheng.people.models import Household
from minzheng.regions.models import Region
from minzheng.regions.services import load_jingmen
from minzheng.synth import sources as synth_sources
from minzheng.synth.generator import generate_city
from minzheng.synth.loader import load_city
from minzheng.synth.sources import (
    NEAR_MISSES,
    PLANTED_RULES,
    SOURCE_FILES,
    generate_sources,
)
from minzheng.verification import engines, imports, services
from minzheng.verification.members_table import build_targets
from minzheng.verification.models import Finding, Run

from .conftest import make_user

AS_OF = dt.date(2024, 1, 1)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("city4k")
    generate_city(persons=4_000, seed=5, out_dir=out, as_of=AS_OF)
    generate_sources(
        city_dir=out, seed=5, beneficiary_share=0.2, planted_share=0.3, near_miss_share=0.3
    )
    return out


def truth_rows(city) -> list[dict]:
    return synth_sources.read_truth(city / "sources")


@pytest.mark.db_independent
def test_same_seed_same_bytes(city, tmp_path):
    again = generate_sources(
        city_dir=city,
        out_dir=tmp_path / "again",
        seed=5,
        beneficiary_share=0.2,
        planted_share=0.3,
        near_miss_share=0.3,
    )
    original = json.loads((city / "sources" / "manifest.json").read_text())
    assert again["files"] == original["files"]
    other = generate_sources(
        city_dir=city,
        out_dir=tmp_path / "other",
        seed=6,
        beneficiary_share=0.2,
        planted_share=0.3,
        near_miss_share=0.3,
    )
    assert (
        other["files"]["vehicles.parquet"]["sha256"]
        != original["files"]["vehicles.parquet"]["sha256"]
    )


@pytest.mark.db_independent
def test_sources_are_consistent_with_the_city_and_the_truth(city):
    manifest = json.loads((city / "sources" / "manifest.json").read_text())
    assert set(manifest["files"]) == {f"{s}.parquet" for s in SOURCE_FILES} | {
        "recheck_households.parquet",
        "ground_truth.csv",
    }
    people = pq.read_table(city / "persons.parquet")
    members = pq.read_table(city / "members.parquet")
    truth = truth_rows(city)
    planted = Counter(t["rule"] for t in truth if t["kind"] == "planted")
    near = Counter((t["rule"], t["variant"]) for t in truth if t["kind"] == "near_miss")
    # Every rule planted, every near miss built, each in a household of its own.
    assert set(planted) == set(PLANTED_RULES) and min(planted.values()) >= 2
    assert set(near) == set(NEAR_MISSES)
    # Employer insurance is planted both ways: enough months, and only the latest month.
    insured = Counter(
        t["variant"] for t in truth if t["kind"] == "planted" and t["rule"] == "employer_insurance"
    )
    assert insured[""] >= 1 and insured["latest_month"] >= 1
    assert len({t["household_number"] for t in truth}) == len(truth)
    # Planted and near-miss people are current members of a beneficiary household.
    recheck = set(
        pq.read_table(city / "sources" / "recheck_households.parquet")[
            "household_number"
        ].to_pylist()
    )
    membership = dict(
        zip(members["id_number"].to_pylist(), members["household_number"].to_pylist())
    )
    assert all(membership[t["id_number"]] == t["household_number"] in recheck for t in truth)
    # Every registered death is in the police data; every person has a registered household.
    deaths = set(pq.read_table(city / "sources" / "deaths.parquet")["id_number"].to_pylist())
    dead = set(people.filter(pc.is_valid(people["death_date"]))["id_number"].to_pylist())
    assert dead <= deaths
    hukou = set(pq.read_table(city / "sources" / "hukou.parquet")["id_number"].to_pylist())
    assert set(people["id_number"].to_pylist()) <= hukou


@pytest.mark.django_db
def test_recall_and_precision_on_the_planted_ground_truth(city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    load_jingmen()
    load_default_standards()
    services.import_directory(directory=city / "sources", as_of=AS_OF)
    files = synth_sources.recheck_targets(city)
    targets, _used = build_targets(
        files.households, files.members, ref=AS_OF, standards=standards_table(AS_OF)
    )
    pq.write_table(targets, tmp_path / "targets.parquet")
    batches = imports.current_batches()
    hits, _timings = engines.run_rules(
        "duckdb",
        targets=tmp_path / "targets.parquet",
        workdir=tmp_path,
        sources={code: [imports.batch_path(b) for b in rows] for code, rows in batches.items()},
    )
    score = synth_sources.score(synth_sources.found_from_hits(hits, files), truth_rows(city))
    assert (score.recall, score.precision, score.near_misses_flagged) == (1.0, 1.0, 0), (
        score.as_dict()
    )
    assert score.planted == sum(1 for t in truth_rows(city) if t["kind"] == "planted")


def authorised_applications(sources_dir, as_of) -> int:
    """An application in verification, with its authorisation, for every beneficiary household."""
    recheck = pq.read_table(sources_dir / "recheck_households.parquet").to_pylist()
    households = {
        h.number: h
        for h in Household.objects.filter(
            number__in=[r["household_number"] for r in recheck]
        ).select_related("head")
    }
    cases = Case.objects.bulk_create(
        [
            Case(
                number=f"S{i:08d}",
                programme=r["programme"],
                applicant=households[r["household_number"]].head,
                household=households[r["household_number"]],
                region_id=households[r["household_number"]].region_id,
                channel=Channel.WINDOW,
                state=State.VERIFYING,
                applied_on=r["since"],
                stage_started_on=r["since"],
            )
            for i, r in enumerate(recheck)
        ]
    )
    documents = Document.objects.bulk_create(
        [
            Document(
                case=c,
                kind=DocumentKind.AUTHORISATION,
                file="cases/a.pdf",
                original_name="a.pdf",
                content_type="application/pdf",
                extension=".pdf",
                size=1,
                sha256="0" * 64,
            )
            for c in cases
        ]
    )
    Authorisation.objects.bulk_create(
        [
            Authorisation(case=c, document=d, signed_on=c.applied_on, signed_by=["户主"])
            for c, d in zip(cases, documents)
        ]
    )
    return len(cases)


@pytest.mark.django_db(transaction=True)
def test_the_verify_command_from_generated_sources_to_a_scored_run(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BROKER_URL = ""
    city = tmp_path / "city"
    generate_city(persons=3_000, seed=9, out_dir=city, as_of=AS_OF)
    out = io.StringIO()
    call_command(
        "verify",
        "generate-sources",
        "--city",
        str(city),
        "--seed",
        "9",
        "--beneficiaries",
        "150",
        "--planted-share",
        "0.25",
        "--near-miss-share",
        "0.25",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "在册救助家庭 150 户" in out.getvalue()
    load_jingmen()
    load_default_standards()
    load_city(src_dir=city)
    out = io.StringIO()
    call_command(
        "verify",
        "import-dir",
        str(city / "sources"),
        "--as-of",
        "2024-01-01",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert out.getvalue().count("错误 0 条") == len(SOURCE_FILES)
    applications = authorised_applications(city / "sources", AS_OF)
    make_user("centre", Role.VERIFICATION_CENTRE, Region.objects.get(code="420800"))
    out = io.StringIO()
    call_command(
        "verify",
        "--region",
        "420800",
        "--as-of",
        "2024-01-01",
        "--user",
        "centre",
        stdout=out,
        stderr=io.StringIO(),
    )
    result = json.loads(out.getvalue())
    run = Run.objects.get()
    assert (run.kind, run.status, run.households, result["households"]) == (
        "applications",
        "succeeded",
        applications,
        applications,
    )
    planted = sum(1 for t in synth_sources.read_truth(city / "sources") if t["kind"] == "planted")
    assert result["findings"] == Finding.objects.count() == planted
    out = io.StringIO()
    call_command("verify", "score", str(run.pk), "--sources", str(city / "sources"), stdout=out)
    score = json.loads(out.getvalue())
    assert (score["recall"], score["precision"], score["near_misses_flagged"]) == (1.0, 1.0, 0)
    # Households with nothing to examine went on to the home visit; the rest wait for staff.
    with_findings = set(
        Finding.objects.exclude(rule="staff_relative").values_list("case_id", flat=True)
    )
    assert (
        set(Case.objects.filter(state=State.VERIFYING).values_list("pk", flat=True))
        == with_findings
    )
    assert Case.objects.filter(state=State.INVESTIGATING).count() == applications - len(
        with_findings
    )
    listing = io.StringIO()
    call_command("verify", "batches", stdout=listing)
    lines = listing.getvalue().splitlines()
    # every departmental file, and the platform's own entitlements taken for the run
    assert (
        len(lines) == len(SOURCE_FILES) + 1 and sum("本平台在册待遇" in line for line in lines) == 1
    )


@pytest.mark.db_independent
def test_ground_truth_file_lists_every_planted_household_once(city):
    with open(city / "sources" / "ground_truth.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == sorted(
        rows,
        key=lambda r: (r["kind"], r["rule"], r["variant"], r["household_number"], r["id_number"]),
    )
