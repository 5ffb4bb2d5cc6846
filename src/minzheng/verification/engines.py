"""The engines that run the rules: DuckDB (default, embedded) and Apache Spark (PySpark).

Both read the same inputs — the run's `targets.parquet` and each source's current batch files —
and return the same table of hits (see `minzheng.verification.rules.OUTPUT_COLUMNS`), sorted, so
the two can be compared row for row.

DuckDB is opened here, inside the job that runs the rules, and closed with it: it is not
fork-safe, so it is never opened in a web worker or before an RQ work horse forks, and every run
uses its own in-memory database (the batch files are only read). Spark runs in local mode unless
MINZHENG_SPARK_MASTER names a cluster; on a cluster, MEDIA_ROOT (where batch files live) must be
storage every executor can read.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings

from .rules import OUTPUT_COLUMNS, RULES, Rule, spark_sql, wrapped_sql
from .sources import get_source

_ARROW = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DATE": pa.date32()}
HITS_SCHEMA = pa.schema(
    [("rule", pa.string())] + [(name, _ARROW[kind]) for name, kind in OUTPUT_COLUMNS]
)
SORT_KEYS = [
    ("rule", "ascending"),
    ("target", "ascending"),
    ("person_id", "ascending"),
    ("batch_id", "ascending"),
    ("row_no", "ascending"),
]
ENGINES = ("duckdb", "spark")
SPARK_CONCURRENT_RULES = 4

RuleProgress = Callable[[int, int, Rule], None] | None


def normalise(table: pa.Table) -> pa.Table:
    """Hits in the canonical schema and order, whichever engine produced them."""
    table = table.select(HITS_SCHEMA.names).cast(HITS_SCHEMA)
    return table.take(pc.sort_indices(table, SORT_KEYS))


def normalise_with(table: pa.Table, extra: list[str]) -> pa.Table:
    """Like `normalise`, keeping some extra columns after the canonical ones."""
    names = HITS_SCHEMA.names + extra
    table = table.select(names)
    table = table.cast(pa.schema(list(HITS_SCHEMA) + [table.schema.field(n) for n in extra]))
    return table.take(pc.sort_indices(table, SORT_KEYS))


def empty_source_file(source_code: str, workdir: Path) -> Path:
    """A Parquet file with the source's columns and no rows, for a source with no batch yet."""
    path = workdir / f"empty-{source_code}.parquet"
    if not path.exists():
        pq.write_table(get_source(source_code).stored_schema().empty_table(), path)
    return path


def _inputs(sources: dict[str, list[Path]], workdir: Path) -> dict[str, list[Path]]:
    codes = {code for rule in RULES for code in rule.sources}
    return {code: sources.get(code) or [empty_source_file(code, workdir)] for code in sorted(codes)}


def _threads() -> int:
    return int(
        getattr(settings, "VERIFICATION_THREADS", 0)
        or os.environ.get("MINZHENG_VERIFICATION_THREADS", 0)
        or os.cpu_count()
        or 1
    )


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


@contextmanager
def duckdb_engine(
    *, targets: Path | pa.Table, sources: dict[str, list[Path]], workdir: Path
) -> Iterator[Callable[[Rule], pa.Table]]:
    import duckdb

    con = duckdb.connect(database=":memory:")
    try:
        con.execute(f"SET threads TO {_threads()}")
        con.execute("SET preserve_insertion_order = false")
        if isinstance(targets, pa.Table):  # handed over in memory, no file in between
            con.register("targets_arrow", targets)
            con.execute("CREATE TABLE targets AS SELECT * FROM targets_arrow")
            con.unregister("targets_arrow")
        else:
            con.execute(
                f"CREATE TABLE targets AS SELECT * FROM read_parquet({_sql_list([targets])})"
            )
        for code, paths in _inputs(sources, workdir).items():
            con.execute(f"CREATE VIEW src_{code} AS SELECT * FROM read_parquet({_sql_list(paths)})")

        def run(rule: Rule) -> pa.Table:
            return con.execute(wrapped_sql(rule)).fetch_arrow_table()

        yield run
    finally:
        con.close()


def spark_session(*, master: str | None = None, app_name: str = "minzheng-verification"):
    from pyspark.sql import SparkSession

    master = (
        master
        or getattr(settings, "SPARK_MASTER", "")
        or os.environ.get("MINZHENG_SPARK_MASTER")
        or f"local[{_threads()}]"
    )
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(max(2, 2 * _threads())))
        .config("spark.driver.memory", os.environ.get("MINZHENG_SPARK_DRIVER_MEMORY", "2g"))
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


@contextmanager
def spark_engine(
    *, targets: Path, sources: dict[str, list[Path]], workdir: Path, session=None
) -> Iterator[Callable[[Rule], pa.Table]]:
    own = session is None
    spark = session or spark_session()
    views = ["targets"]
    try:
        spark.read.parquet(str(targets)).createOrReplaceTempView("targets")
        for code, paths in _inputs(sources, workdir).items():
            spark.read.parquet(*[str(p) for p in paths]).createOrReplaceTempView(f"src_{code}")
            views.append(f"src_{code}")

        def run(rule: Rule) -> pa.Table:
            return spark.sql(spark_sql(rule.code)).toArrow()

        yield run
    finally:
        for view in views:
            spark.catalog.dropTempView(view)
        if own:
            spark.stop()


def run_rules(
    engine: str,
    *,
    targets: Path | pa.Table,
    sources: dict[str, list[Path]],
    workdir: Path,
    rules: tuple[Rule, ...] = RULES,
    progress: RuleProgress = None,
    spark=None,
) -> tuple[pa.Table, dict[str, float]]:
    """All hits of `rules` on one engine, normalised, with seconds per rule. `targets`: the
    targets table, or a Parquet file of it."""
    if engine == "duckdb":
        opened = duckdb_engine(targets=targets, sources=sources, workdir=workdir)
    elif engine == "spark":
        if isinstance(targets, pa.Table):
            path = workdir / "targets.parquet"
            pq.write_table(targets, path)
            targets = path
        opened = spark_engine(targets=targets, sources=sources, workdir=workdir, session=spark)
    else:
        raise ValueError(f"unknown engine {engine!r}")
    parts, timings = [], {}
    with opened as run:
        if engine == "spark":
            # Spark spends most of a small query in scheduling; submitting the rules from a few
            # threads (Spark runs concurrent jobs of one session) keeps the executors busy.
            from concurrent.futures import ThreadPoolExecutor

            def timed(rule: Rule):
                started = time.perf_counter()
                return normalise(run(rule)), round(time.perf_counter() - started, 3)

            with ThreadPoolExecutor(max_workers=SPARK_CONCURRENT_RULES) as pool:
                futures = [pool.submit(timed, rule) for rule in rules]
                for index, (rule, future) in enumerate(zip(rules, futures)):
                    table, seconds = future.result()
                    if progress:
                        progress(index, len(rules), rule)
                    parts.append(table)
                    timings[rule.code] = seconds
        else:
            for index, rule in enumerate(rules):
                if progress:
                    progress(index, len(rules), rule)
                started = time.perf_counter()
                parts.append(normalise(run(rule)))
                timings[rule.code] = round(time.perf_counter() - started, 3)
    hits = pa.concat_tables(parts) if parts else HITS_SCHEMA.empty_table()
    return normalise(hits), timings
