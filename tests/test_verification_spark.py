"""The same rules on Apache Spark (PySpark in local mode) give exactly the findings DuckDB gives:
on the hand-made households of every rule and on a synthetic city. One Spark session serves the
module."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pyarrow.parquet as pq
import pytest

from minzheng.assistance.selectors import standards_table
from minzheng.synth import sources as synth_sources
from minzheng.verification import engines, imports, runs, services
from minzheng.verification.members_table import build_targets
from minzheng.verification.models import Finding, Run
from tests.fixtures.verification import REF, build_scenario

# The database only holds the scenario both engines read (the rules' SQL over it is tested on
# both databases by test_verification_rules.py): what differs here is the engine, so one pass only.
pytestmark = [
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime"),
    pytest.mark.db_independent,
]


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    session = engines.spark_session(master="local[2]", app_name="minzheng-tests")
    yield session
    session.stop()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BROKER_URL = ""


def current_sources() -> dict:
    return {
        code: [imports.batch_path(b) for b in rows]
        for code, rows in imports.current_batches().items()
    }


@pytest.mark.django_db
def test_identical_findings_on_every_rule(spark, jingmen, users, tmp_path):
    scenario = build_scenario(jingmen, users, tmp_path)
    clerk = users["dongbao_clerk"]
    by_engine = {}
    # The same households on both engines (a households run does not move the applications on).
    households = [h.pk for h in scenario.households.values()]
    for engine in ("duckdb", "spark"):
        run = services.start_run(
            user=clerk,
            kind=Run.Kind.HOUSEHOLDS,
            region=jingmen["longquan"],
            household_ids=households,
            as_of=REF,
            engine=engine,
            dispatch_on_commit=False,
        )
        result = runs.execute(run.pk, spark=spark if engine == "spark" else None)
        rows = Finding.objects.filter(last_run=run).values_list(
            "key", "rule", "person_id", "batch_id", "row", "evidence"
        )
        by_engine[engine] = (
            result,
            {(*row[:5], json.dumps(row[5], sort_keys=True)) for row in rows},
        )
    (duck, duck_rows), (sparked, spark_rows) = by_engine["duckdb"], by_engine["spark"]
    assert duck_rows == spark_rows and len(duck_rows) == 20
    assert duck["by_rule"] == sparked["by_rule"]
    assert (sparked["findings"], sparked["findings_new"]) == (
        20,
        0,
    )  # same keys: the Spark run found nothing new


@pytest.mark.django_db
def test_identical_hits_on_a_synthetic_city(spark, jingmen, tmp_path):
    from minzheng.assistance.services import load_default_standards
    from minzheng.synth.generator import generate_city

    as_of = dt.date(2024, 1, 1)
    city = tmp_path / "city"
    generate_city(persons=3_000, seed=11, out_dir=city, as_of=as_of)
    synth_sources.generate_sources(
        city_dir=city, seed=11, beneficiary_share=0.2, planted_share=0.3, near_miss_share=0.3
    )
    load_default_standards()
    services.import_directory(directory=city / "sources", as_of=as_of)
    files = synth_sources.recheck_targets(city)
    targets, _used = build_targets(
        files.households, files.members, ref=as_of, standards=standards_table(as_of)
    )
    pq.write_table(targets, tmp_path / "targets.parquet")
    duck, _t = engines.run_rules(
        "duckdb", targets=tmp_path / "targets.parquet", sources=current_sources(), workdir=tmp_path
    )
    sparked, _t = engines.run_rules(
        "spark",
        targets=tmp_path / "targets.parquet",
        sources=current_sources(),
        workdir=tmp_path,
        spark=spark,
    )
    assert duck.num_rows > 0 and duck.equals(sparked)
    score = synth_sources.score(
        synth_sources.found_from_hits(sparked, files), synth_sources.read_truth(city / "sources")
    )
    assert (score.recall, score.precision) == (1.0, 1.0)
