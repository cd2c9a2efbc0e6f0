"""Benchmark: purge N expired request records (cases with their history and timeline, on fewer
submissions and subjects) through the retention purge service, beside a raw SQL keyset DELETE of the
same rows in batches of the same size, measured in the same run on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mp_bench_retention \\
        .venv/bin/python benchmarks/retention_purge.py [--count 1000000] [--batch-size 1000]
            [--profile] [--trace-memory]

The database is migrated and emptied of request records first: use a database of its own.
Prints rows/s, the service's CPU time, process max RSS, the longest batch transaction and the ratio
purge time / raw SQL time; with --trace-memory also peak Python memory (tracemalloc, which slows the
Python side: earlier runs had it on while timing).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medprivacy.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")  # no real secret needed for a local benchmark
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.DEBUG = False  # DEBUG keeps every query in memory; measure what production does

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from retention import services  # noqa: E402
from retention.models import PurgeRun, RetentionRule  # noqa: E402

CLOSED_AT = dt.datetime(2023, 1, 10, 12, 0, tzinfo=dt.UTC)  # far past the seeded 24 months
TABLES = ["timeline_timelineevent", "requests_app_historicalcase", "requests_app_case",
          "requests_app_historicalsubmission", "requests_app_verificationtoken", "outbox_message",
          "requests_app_submission", "subjects_historicaldatasubject", "subjects_datasubject"]


def sql(statement: str, params: tuple = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def scalar(statement: str, params: tuple = ()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def generate(count: int, per_submission: int, history_per_case: int, events_per_case: int) -> dict[str, int]:
    """Insert the records server-side (INSERT … SELECT generate_series), with their history rows."""
    sql("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE")
    subjects = max(1, count // per_submission)
    received = CLOSED_AT - dt.timedelta(days=20)
    with transaction.atomic():
        sql("""INSERT INTO subjects_datasubject (email, email_hash, full_name, phone, relationship, country,
                   subdivision, created_at, updated_at, erased_at)
               SELECT 'bench' || g || '@example.com', md5('bench' || g), 'Bench Person ' || g, '',
                   'website_visitor', 'US', 'CA',
                   %s, %s, NULL FROM generate_series(1, %s) g""", (received, received, subjects))
        sql("""INSERT INTO subjects_historicaldatasubject (id, email, email_hash, full_name, phone, relationship,
                   country, subdivision, created_at, updated_at, erased_at, history_date, history_type)
               SELECT id, email, email_hash, full_name, phone, relationship, country, subdivision, created_at,
                   updated_at, erased_at, created_at, '+' FROM subjects_datasubject""")
        sql("""INSERT INTO requests_app_submission (subject_id, channel, received_at, is_agent, agent_name,
                   agent_email, authorization_document, details, correction_wrong, correction_right, clinic_name,
                   declaration_accepted, verified_at, created_at, filed_identity, language)
               SELECT id, 'web_form', %s, false, '', '', '', 'Please send me my data.', '', '', '', true, %s, %s, '{}',
                      'en'
               FROM subjects_datasubject ORDER BY id""", (received, received, received))
        sql("""INSERT INTO requests_app_historicalsubmission (id, subject_id, channel, received_at, is_agent,
                   agent_name, agent_email, authorization_document, details, correction_wrong, correction_right,
                   clinic_name, declaration_accepted, verified_at, created_at, filed_identity, language,
                   history_date, history_type)
               SELECT id, subject_id, channel, received_at, is_agent, agent_name, agent_email,
                   authorization_document, details, correction_wrong, correction_right, clinic_name,
                   declaration_accepted, verified_at, created_at, filed_identity, language, created_at, '+'
               FROM requests_app_submission""")
    with transaction.atomic():
        sql("""INSERT INTO requests_app_case (reference, submission_id, subject_id, "right", regime, status,
                   channel, received_at, receipt_date, is_agent, is_patient, verification_level, verified_at,
                   verification_method, needs_officer_verification, respond_by, due_on, extension_reason,
                   paused_days, closed_at, outcome_summary, denial_ground, created_at, updated_at, outcome,
                   verification_evidence, verification_scope)
               SELECT 'BENCH-' || g, s.id, s.subject_id, 'access', 'ccpa', 'completed', 'web_form', %s, %s,
                   false, false, 'email', %s, 'email link', false, %s, %s, '', 0, %s, 'Sent the package.', '',
                   %s, %s, 'complied', '', ''
               FROM generate_series(1, %s) g
               JOIN requests_app_submission s ON s.id = ((g - 1) %% %s) + 1""",
            (received, received.date(), received, CLOSED_AT.date(), CLOSED_AT.date(), CLOSED_AT, received,
             CLOSED_AT, count, subjects))
    with transaction.atomic():
        sql("""INSERT INTO requests_app_historicalcase (id, reference, submission_id, subject_id, "right", regime,
                   status, channel, received_at, receipt_date, is_agent, is_patient, verification_level,
                   verified_at, verification_method, needs_officer_verification, respond_by, due_on,
                   extension_reason, paused_days, closed_at, outcome_summary, denial_ground, created_at,
                   updated_at, outcome, verification_evidence, verification_scope, history_date,
                   history_change_reason, history_type)
               SELECT c.id, c.reference, c.submission_id, c.subject_id, c."right", c.regime, c.status, c.channel,
                   c.received_at, c.receipt_date, c.is_agent, c.is_patient, c.verification_level, c.verified_at,
                   c.verification_method, c.needs_officer_verification, c.respond_by, c.due_on,
                   c.extension_reason, c.paused_days, c.closed_at, c.outcome_summary, c.denial_ground,
                   c.created_at, c.updated_at, c.outcome, c.verification_evidence, c.verification_scope,
                   c.updated_at, 'bench', CASE WHEN h = 1 THEN '+' ELSE '~' END
               FROM requests_app_case c CROSS JOIN generate_series(1, %s) h""", (history_per_case,))
    if events_per_case:
        with transaction.atomic():
            sql("""INSERT INTO timeline_timelineevent (case_id, kind, at, actor_label, summary)
                   SELECT c.id, 'status_changed', c.closed_at, 'system', 'Completed'
                   FROM requests_app_case c CROSS JOIN generate_series(1, %s) e""", (events_per_case,))
    sql("ANALYZE")
    return {table: scalar(f"SELECT count(*) FROM {table}") for table in TABLES}


def only_request_records_rule() -> None:
    for rule in RetentionRule.objects.filter(is_active=True).exclude(category__code="privacy_request_records"):
        rule.is_active = False
        services.retention_rule_save(rule=rule, actor=None, reason="Benchmark: request records only")


def run_service(batch_size: int, *, trace_memory: bool, profile: bool) -> dict:
    if trace_memory:
        tracemalloc.start()
    profiler = cProfile.Profile() if profile else None
    cpu = time.process_time()
    started = time.perf_counter()
    run = services.purge_run_plan(mode=PurgeRun.Mode.LIVE, trigger=PurgeRun.Trigger.COMMAND,
                                  batch_size=batch_size)
    planned = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    run = services.purge_run_execute(run=run)
    if profiler is not None:
        profiler.disable()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if trace_memory else None
    tracemalloc.stop()
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    items = list(run.items.values("target", "deleted", "batches", "longest_batch_ms", "failed"))
    return {"seconds": elapsed, "plan_seconds": planned - started, "peak_bytes": peak,
            "longest_ms": max(i["longest_batch_ms"] for i in items), "items": items,
            "status": run.status, "cpu_seconds": cpu}


def _keyset_delete(select_ids: str, params: tuple, deletes: list[str], batch_size: int,
                   longest: list[float]) -> int:
    """Delete in keyset batches: ids > last, ordered, LIMIT batch, one transaction per batch."""
    last, total = 0, 0
    while True:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(select_ids + " AND x.id > %s ORDER BY x.id LIMIT %s", (*params, last, batch_size))
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return total
            for statement in deletes:
                cursor.execute(statement, (ids,))
            total += len(ids)
            last = ids[-1]
        longest[0] = max(longest[0], time.perf_counter() - started)


def run_raw_sql(batch_size: int, *, trace_memory: bool) -> dict:
    if trace_memory:
        tracemalloc.start()
    longest = [0.0]
    started = time.perf_counter()
    cutoff = timezone.now() - dt.timedelta(days=731)
    deleted = {
        "timeline_event": _keyset_delete(
            "SELECT x.id FROM timeline_timelineevent x JOIN requests_app_case c ON c.id = x.case_id "
            "WHERE c.closed_at <= %s", (cutoff,),
            ["DELETE FROM timeline_timelineevent WHERE id = ANY(%s)"], batch_size, longest),
        "case": _keyset_delete(
            "SELECT x.id FROM requests_app_case x WHERE x.closed_at <= %s", (cutoff,),
            ["DELETE FROM requests_app_historicalcase WHERE id = ANY(%s)",
             "DELETE FROM requests_app_case WHERE id = ANY(%s)"], batch_size, longest),
        "submission": _keyset_delete(
            "SELECT x.id FROM requests_app_submission x WHERE x.received_at <= %s", (cutoff,),
            ["DELETE FROM requests_app_verificationtoken WHERE submission_id = ANY(%s)",
             "DELETE FROM outbox_message WHERE submission_id = ANY(%s)",
             "DELETE FROM requests_app_historicalsubmission WHERE id = ANY(%s)",
             "DELETE FROM requests_app_submission WHERE id = ANY(%s)"], batch_size, longest),
        "data_subject": _keyset_delete(
            "SELECT x.id FROM subjects_datasubject x WHERE x.created_at <= %s", (cutoff,),
            ["DELETE FROM subjects_historicaldatasubject WHERE id = ANY(%s)",
             "DELETE FROM subjects_datasubject WHERE id = ANY(%s)"], batch_size, longest),
    }
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace_memory else None
    tracemalloc.stop()
    return {"seconds": elapsed, "peak_bytes": peak, "longest_ms": longest[0] * 1000, "deleted": deleted}


def peak_memory(result: dict) -> str:
    return "" if result["peak_bytes"] is None else f", peak Python memory {result['peak_bytes'] / 1e6:.1f} MB"


def remaining() -> dict[str, int]:
    return {table: scalar(f"SELECT count(*) FROM {table}") for table in TABLES
            if scalar(f"SELECT count(*) FROM {table}")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000, help="expired cases to purge (default 1,000,000)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--cases-per-submission", type=int, default=100)
    parser.add_argument("--history-per-case", type=int, default=1)
    parser.add_argument("--events-per-case", type=int, default=1)
    parser.add_argument("--trace-memory", action="store_true",
                        help="also report peak Python memory (tracemalloc; it slows every allocation, so the "
                             "times are then not comparable)")
    parser.add_argument("--profile", action="store_true", help="cProfile the service's execution")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run the benchmark on PostgreSQL: set DATABASE_URL to a database of its own.")
    call_command("migrate", verbosity=0)
    only_request_records_rule()

    def build() -> dict[str, int]:
        started = time.perf_counter()
        rows = generate(args.count, args.cases_per_submission, args.history_per_case, args.events_per_case)
        print(f"  generated in {time.perf_counter() - started:.1f}s: " +
              ", ".join(f"{t.removeprefix('requests_app_')}={n:,}" for t, n in rows.items() if n))
        return rows

    print(f"== {args.count:,} expired cases, batch size {args.batch_size}, PostgreSQL "
          f"{connection.cursor().connection.info.server_version}")
    rows = build()
    total_rows = sum(rows.values())
    service = run_service(args.batch_size, trace_memory=args.trace_memory, profile=args.profile)
    left = remaining()
    print(f"purge service: {service['seconds']:.1f}s (plan {service['plan_seconds']:.1f}s), "
          f"{args.count / service['seconds']:,.0f} cases/s, {total_rows / service['seconds']:,.0f} rows/s "
          f"(all {total_rows:,} rows incl. history and timeline), {service['cpu_seconds']:.1f}s of CPU"
          f"{peak_memory(service)}, longest transaction {service['longest_ms']:.0f} ms, "
          f"status {service['status']}, left behind: {left or 'nothing'}")
    for item in service["items"]:
        print(f"    {item['target']}: {item['deleted']:,} deleted in {item['batches']} batches, "
              f"longest {item['longest_batch_ms']} ms, {item['failed']} failed")

    print("== the same rows regenerated, raw SQL keyset DELETE in the same batch size")
    build()
    raw = run_raw_sql(args.batch_size, trace_memory=args.trace_memory)
    left = remaining()
    print(f"raw SQL: {raw['seconds']:.1f}s, {args.count / raw['seconds']:,.0f} cases/s, "
          f"{total_rows / raw['seconds']:,.0f} rows/s{peak_memory(raw)}, "
          f"longest transaction {raw['longest_ms']:.0f} ms, left behind: {left or 'nothing'}")
    print(f"ratio purge service / raw SQL: {service['seconds'] / raw['seconds']:.2f}x "
          f"(execution only, without the service's planning counts: "
          f"{(service['seconds'] - service['plan_seconds']) / raw['seconds']:.2f}x)")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
