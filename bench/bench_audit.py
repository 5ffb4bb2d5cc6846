"""Benchmark: `minzheng audit verify` over a 1,000,000-event keyed chain, and the tamper cases it
must catch, on SQLite or PostgreSQL.

    .venv/bin/python bench/bench_audit.py                       # SQLite in a scratch folder
    .venv/bin/python bench/bench_audit.py --database-url postgres://postgres@127.0.0.1:5432/audit_bench

Builds a scratch install (a fresh SQLite file, or a database created and dropped here), then:

1. seals `--events` events in chain order under the audit key (the same `_seal` as `record`), with
   varied actions, objects and before/after snapshots, and writes them set-based
   (`bulk_create`, 5,000 rows a statement, 100,000 a transaction);
2. times `minzheng audit checkpoint` and `minzheng audit verify --checkpoint` (the whole chain);
3. times 2,000 appends through `audit.record` at the head of the 1,000,000-event chain;
4. applies each tamper case in a transaction that is rolled back afterwards, runs the verify
   against the checkpoint and records whether and where it was caught (and whether the plain
   verify, without a checkpoint, catches it too) and how long it took:
   edit one event; rewrite one event and re-hash every later event without the key; delete the
   newest events (truncate); delete one event in the middle.

5. with `--writers 1,4,16`: concurrent small audited writes (`--seconds` each; one process per
   writer, each its own connection; a write = one transaction updating the writer's own row of a
   scratch table and appending one event), timed two ways in the same run:
   `locked`, the append as it was when every write sealed its own event (chain lock, read of the
   head, insert, held until commit), and `record`, `audit.record` as it is (no lock; the event is
   sealed by the background sealer after the commit; on SQLite sealed in the writer's transaction,
   and a third way, `deferred`, with SQLite made to append unsealed too). Reports commits/s,
   p50/p95 write latency, the largest and oldest unsealed tail seen while the writers ran, the
   backlog left when they stop, and verifies the whole chain at the end. `--events 0` skips
   steps 1-4.

    .venv/bin/python bench/bench_audit.py --events 0 --writers 1,4,16 --seconds 20 \
        --database-url postgres://postgres@127.0.0.1:5432/audit_bench

Printed as JSON at the end. The scratch database is dropped (SQLite folder removed) unless --keep-db.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default="",
        help="PostgreSQL URL of a scratch database (created and dropped); default SQLite",
    )
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--writers",
        default="",
        help="comma-separated numbers of concurrent writer processes, e.g. 1,4,16 (step 5)",
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each writers run")
    return parser.parse_args()


def _pg_admin(url):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        urlunsplit(parts._replace(path="/postgres")), autocommit=True
    ), parts.path.lstrip("/")


def build_chain(count: int) -> float:
    from django.db import transaction

    from minzheng.core import audit
    from minzheng.core.models import AuditEvent

    rng = random.Random(2016)
    key = audit.current_key()
    actions = ["create", "update", "transition", "view", "unmask", "export", "login"]
    types = [
        "people.person",
        "people.household",
        "cases.case",
        "payments.payrollline",
        "eldercare.booking",
    ]
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    prev = audit.GENESIS
    started = time.perf_counter()
    done = 0
    while done < count:
        rows = []
        with transaction.atomic():
            for i in range(done, min(count, done + 100_000)):
                action = actions[i % len(actions)]
                event = AuditEvent(
                    at=start + dt.timedelta(seconds=i, microseconds=rng.randrange(1_000_000)),
                    actor_id=None,
                    actor_name=f"clerk{i % 97}",
                    ip=f"10.0.{i % 250}.{i % 199}",
                    channel="web",
                    action=action,
                    object_type=types[i % len(types)],
                    object_id=str(rng.randrange(1, 3_000_000)),
                    object_repr=f"记录 {i}",
                    region_code=f"420802{i % 13:03d}",
                    before={"phone": f"138{rng.randrange(10**8):08d}"}
                    if action == "update"
                    else None,
                    after={"phone": f"139{rng.randrange(10**8):08d}", "state": "approved"}
                    if action in ("update", "create")
                    else None,
                    note="" if i % 5 else "批量导入",
                    prev_hash=prev,
                    key_id=key.key_id,
                    chain_pos=i + 1,
                )
                event.hash = audit._seal(audit._hashed_fields(event), key)
                prev = event.hash
                rows.append(event)
            AuditEvent.objects.bulk_create(rows, batch_size=5000)
        done += len(rows)
        print(f"  {done:,} events", file=sys.stderr, flush=True)
    return time.perf_counter() - started


def timed(label, func, *args, **kwargs):
    print(f"  {label} …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = func(*args, **kwargs)
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.2f} s", file=sys.stderr, flush=True)
    return result, seconds


def tamper_cases(checkpoint, count):
    from django.db import connection, transaction

    from minzheng.core import audit
    from minzheng.core.models import AuditEvent

    table = AuditEvent._meta.db_table
    seqs = list(
        AuditEvent.objects.filter(seq__lte=checkpoint.seq)
        .order_by("seq")
        .values_list("seq", flat=True)[count // 2 : count // 2 + 1]
    )
    middle = seqs[0]
    near_end = checkpoint.seq - 1000

    def sql(statement, params=()):
        with connection.cursor() as cur:
            cur.execute(statement, params)

    def edit():
        sql(f"UPDATE {table} SET actor_name = 'someone_else' WHERE seq = %s", [middle])

    def rewrite_and_rehash():
        # Change an event, then rebuild the hashes of it and of every later event with the published
        # algorithm (no key): all 1,000 of them, up to and including the checkpoint's head.
        sql(f"UPDATE {table} SET note = 'rewritten' WHERE seq = %s", [near_end])
        prev = (
            AuditEvent.objects.filter(seq__lt=near_end)
            .order_by("-seq")
            .values_list("hash", flat=True)
            .first()
        )
        changed = []
        for event in AuditEvent.objects.filter(seq__gte=near_end, seq__lte=checkpoint.seq).order_by(
            "seq"
        ):
            event.prev_hash = prev
            event.hash = audit._digest(audit._hashed_fields(event))
            event.key_id = ""
            prev = event.hash
            changed.append(event)
        AuditEvent.objects.bulk_update(changed, ["prev_hash", "hash", "key_id"], batch_size=500)

    def truncate():
        sql(f"DELETE FROM {table} WHERE seq > %s", [checkpoint.seq - 100])

    def delete_middle():
        sql(f"DELETE FROM {table} WHERE seq = %s", [middle])

    results = {}
    for name, tamper in [
        ("edit", edit),
        ("rewrite_and_rehash", rewrite_and_rehash),
        ("truncate", truncate),
        ("delete_middle", delete_middle),
    ]:
        with transaction.atomic():
            tamper()
            report, seconds = timed(
                f"verify --checkpoint after {name}", audit.verify_chain, checkpoint=checkpoint
            )
            # A failure before the checkpoint's event is one the plain verify finds the same way (it
            # walks the same events); only a truncation needs the plain walk run to show it passes.
            if report.first_bad_seq is not None and report.first_bad_seq < checkpoint.seq:
                without = True
            else:
                without = not audit.verify_chain().ok
            results[name] = {
                "caught_with_checkpoint": not report.ok,
                "caught_without_checkpoint": without,
                "first_bad_seq": report.first_bad_seq,
                "reason": report.reason,
                "seconds": round(seconds, 2),
            }
            transaction.set_rollback(True)
    return results


# --- step 5: concurrent writers -----------------------------------------------------------------

COUNTER_TABLE = "bench_audit_counter"


def locked_record(action: str, *, object_type: str, object_id: str, note: str):
    """The append as it was before sealing left the request path: take the chain lock, read the
    head, seal the event onto it and insert it; the lock is held until the transaction commits, so
    every audited write in the platform queued behind the one before."""
    from django.db import transaction
    from django.utils import timezone

    from minzheng.core import audit
    from minzheng.core.models import AuditEvent

    with transaction.atomic():
        audit._lock_chain()
        head = (
            AuditEvent.objects.filter(chain_pos__isnull=False)
            .order_by("-chain_pos")
            .values_list("chain_pos", "hash")
            .first()
        )
        pos, prev = head or (0, audit.GENESIS)
        key = audit.current_key()
        event = AuditEvent(
            at=timezone.now(),
            actor_name="bench",
            channel="bench",
            action=action,
            object_type=object_type,
            object_id=object_id,
            note=note,
            prev_hash=prev,
            key_id=key.key_id,
            chain_pos=pos + 1,
        )
        event.hash = audit._seal(audit._hashed_fields(event), key)
        event.save(force_insert=True)
    return event


def _writer(mode: str, row: int, start_at: float, seconds: float, results) -> None:
    """One writer process: small audited writes in a closed loop until the time is up."""
    from django.conf import settings
    from django.db import connection, transaction

    from minzheng.core import audit

    append = locked_record if mode == "locked" else audit.record
    if mode == "deferred":
        settings.AUDIT_SEAL_INLINE = False
    latencies = []
    while time.time() < start_at:
        time.sleep(0.001)
    end = start_at + seconds
    while time.time() < end:
        began = time.perf_counter()
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(f"UPDATE {COUNTER_TABLE} SET n = n + 1 WHERE id = %s", [row])
            append("update", object_type="bench.counter", object_id=str(row), note=f"write {row}")
        latencies.append(time.perf_counter() - began)
    flush_began = time.perf_counter()
    audit.sealer.flush(timeout=120)
    flush_seconds = time.perf_counter() - flush_began
    connection.close()
    results.put((len(latencies), latencies, flush_seconds))


class _WindowSampler:
    """Samples the unsealed tail every 100 ms while writers run: how many events, and how long ago
    the oldest was recorded (the window in which deleting it would not show)."""

    def __init__(self):
        import threading

        self.max_count = 0
        self.max_age = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _run(self):
        from django.db import connection
        from django.utils import timezone

        from minzheng.core.models import AuditEvent

        try:
            while not self._stop.wait(0.1):
                rows = list(
                    AuditEvent.objects.filter(chain_pos__isnull=True).values_list("at", flat=True)
                )
                if rows:
                    self.max_count = max(self.max_count, len(rows))
                    age = (timezone.now() - min(rows)).total_seconds()
                    self.max_age = max(self.max_age, age)
        finally:
            connection.close()


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def concurrent_writers(counts: list[int], seconds: float) -> dict:
    import multiprocessing

    from django.db import connection, connections

    from minzheng.core import audit
    from minzheng.core.models import AuditEvent

    with connection.cursor() as cur:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {COUNTER_TABLE} (id integer PRIMARY KEY, n bigint)"
        )
        cur.execute(f"DELETE FROM {COUNTER_TABLE}")
        for row in range(max(counts)):
            cur.execute(f"INSERT INTO {COUNTER_TABLE} (id, n) VALUES (%s, 0)", [row])
    audit.seal_pending()
    context = multiprocessing.get_context("fork")
    runs = []
    # locked: the append as it was; record: audit.record as configured (PostgreSQL appends unsealed
    # and seals after the commit, SQLite seals in the writer's transaction); deferred: SQLite made
    # to append unsealed like PostgreSQL, to show why it does not by default.
    modes = ("locked", "record") + (("deferred",) if connection.vendor == "sqlite" else ())
    for writers in counts:
        for mode in modes:
            connections.close_all()  # never share a connection across fork
            results = context.Queue()
            start_at = time.time() + 1.0
            load_start = os.getloadavg()[0]
            procs = [
                context.Process(target=_writer, args=(mode, row, start_at, seconds, results))
                for row in range(writers)
            ]
            for proc in procs:
                proc.start()
            window = _WindowSampler()
            window.start()
            collected = [results.get(timeout=seconds + 300) for _ in procs]
            window.stop()
            for proc in procs:
                proc.join()
            backlog = AuditEvent.objects.filter(chain_pos__isnull=True).count()
            sealed_began = time.perf_counter()
            leftover = audit.seal_pending().sealed
            commits = sum(c[0] for c in collected)
            latencies = [lat for c in collected for lat in c[1]]
            run = {
                "mode": mode,
                "writers": writers,
                "commits": commits,
                "commits_per_s": round(commits / seconds, 1),
                "p50_ms": round(_percentile(latencies, 0.50) * 1000, 2),
                "p95_ms": round(_percentile(latencies, 0.95) * 1000, 2),
                "p99_ms": round(_percentile(latencies, 0.99) * 1000, 2),
                "unsealed_max_events": window.max_count,
                "unsealed_max_age_ms": round(window.max_age * 1000, 1),
                "sealer_flush_max_ms": round(max(c[2] for c in collected) * 1000, 1),
                "unsealed_after_writers_flushed": backlog,
                "sealed_by_final_pass": leftover,
                "final_pass_ms": round((time.perf_counter() - sealed_began) * 1000, 1),
                "load_average": [round(load_start, 2), round(os.getloadavg()[0], 2)],
            }
            print(f"  {json.dumps(run)}", file=sys.stderr, flush=True)
            runs.append(run)
    report = audit.verify_chain(seal=False)
    ratios = {}
    for writers in counts:
        by_mode = {r["mode"]: r for r in runs if r["writers"] == writers}
        base = max(by_mode["locked"]["commits_per_s"], 0.1)
        for mode in modes[1:]:
            ratios[f"{mode}/locked, {writers} writers"] = round(
                by_mode[mode]["commits_per_s"] / base, 2
            )
    return {
        "seconds_per_run": seconds,
        "runs": runs,
        "throughput_ratios": ratios,
        "chain_after": {
            "ok": report.ok,
            "verified": report.checked,
            "unsealed": report.unsealed,
            "events": AuditEvent.objects.count(),
        },
    }


def chain_and_tamper(args, scratch: Path) -> dict:
    from django.core.management import call_command

    from minzheng.core import audit

    build_seconds = build_chain(args.events)
    print(f"  built in {build_seconds:.1f} s", file=sys.stderr)
    cp_dir = scratch / "checkpoints"
    _, checkpoint_seconds = timed(
        "audit checkpoint (verifies first)", call_command, "audit", "checkpoint", to=cp_dir
    )
    checkpoint = audit.read_checkpoint(cp_dir)
    _, verify_seconds = timed("audit verify", call_command, "audit", "verify")
    _, verify_cp_seconds = timed(
        "audit verify --checkpoint", call_command, "audit", "verify", checkpoint=cp_dir
    )

    def appends():
        for i in range(2000):
            audit.record("view", object_type="people.person", object_id=str(i), note="bench")

    _, append_seconds = timed("2,000 appends", appends)
    audit.seal_pending()
    cases = tamper_cases(checkpoint, args.events)
    return {
        "build_seconds": round(build_seconds, 1),
        "build_events_per_s": round(args.events / build_seconds),
        "checkpoint_seconds": round(checkpoint_seconds, 2),
        "verify_seconds": round(verify_seconds, 2),
        "verify_events_per_s": round(args.events / verify_seconds),
        "verify_with_checkpoint_seconds": round(verify_cp_seconds, 2),
        "append_ms_each": round(append_seconds / 2, 3),
        "tamper": cases,
    }


def main():
    args = parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    os.environ["MINZHENG_VAR_DIR"] = str(scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        conn, name = _pg_admin(args.database_url)
        with conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    load = {"start": os.getloadavg()[0]}
    try:
        call_command("migrate", verbosity=0)
        result = {"vendor": connection.vendor, "events": args.events, "load_average": load}
        if args.events:
            result.update(chain_and_tamper(args, scratch))
        if args.writers:
            counts = [int(n) for n in args.writers.split(",") if n.strip()]
            result["writers"] = concurrent_writers(counts, args.seconds)
        load["end"] = os.getloadavg()[0]
        print(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        connection.close()
        if not args.keep_db:
            shutil.rmtree(scratch, ignore_errors=True)
            if args.database_url:
                conn, name = _pg_admin(args.database_url)
                with conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
