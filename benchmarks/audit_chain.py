"""Benchmark the audit chain and the §7102 metrics on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mp_bench_audit .venv/bin/python benchmarks/audit_chain.py

Creates and drops its own database. Measures (1) one `audit_append` in its own transaction (head row lock,
insert, head update) against one raw INSERT of the same row; (2) `audit_verify` over a chain of N entries
(built in Python and bulk-inserted); (3) the §7102 metrics of a year over M case facts.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medprivacy.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

APPENDS, CHAIN, FACTS = 1_000, int(os.environ.get("BENCH_CHAIN", 200_000)), int(os.environ.get("BENCH_FACTS",
                                                                                               200_000))


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL: set DATABASE_URL=postgres://…")
    settings.DATABASES["default"]["TEST"]["NAME"] = f"bench_{settings.DATABASES['default']['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    from django.utils import timezone

    from audit import chain
    from audit.models import AuditEntry, AuditHead
    from audit.selectors import audit_verify_chain
    from audit.services import audit_append
    from reporting.models import CaseFact
    from reporting.selectors import metrics_for_period

    # (1) appends
    times = []
    for i in range(APPENDS):
        start = time.perf_counter()
        with transaction.atomic():
            audit_append(kind="bench.append", facts={"i": i}, personal={"summary": f"text {i}"})
        times.append(time.perf_counter() - start)
    raw = []
    with connection.cursor() as cursor:
        for i in range(APPENDS):
            start = time.perf_counter()
            with transaction.atomic():
                cursor.execute("INSERT INTO audit_auditentry (sequence, at, kind, object_type, object_id, facts, "
                               "content_digest, previous_hash, entry_hash) VALUES (%s, now(), 'raw', '', '', "
                               "'{}', '', '', '')", [10_000_000 + i])
            raw.append(time.perf_counter() - start)
    append_ms, raw_ms = statistics.median(times) * 1000, statistics.median(raw) * 1000
    print(f"audit_append, own transaction: median {append_ms:.2f} ms; raw INSERT {raw_ms:.2f} ms; "
          f"ratio {append_ms / raw_ms:.2f}")

    # (2) verification of a long chain
    AuditEntry.objects.all().delete()
    previous, rows, now = chain.GENESIS, [], timezone.now()
    start = time.perf_counter()
    for seq in range(1, CHAIN + 1):
        entry = AuditEntry(sequence=seq, at=now, kind="timeline.event", object_type="requests_app.timelineevent",
                           object_id=str(seq), case_id=seq // 10, facts={"timeline_kind": "note"},
                           content_digest="ab" * 32, previous_hash=previous)
        entry.entry_hash = chain.entry_hash(previous, entry.chain_fields())
        previous = entry.entry_hash
        rows.append(entry)
        if len(rows) == 10_000:
            AuditEntry.objects.bulk_create(rows)
            rows = []
    AuditEntry.objects.bulk_create(rows)
    AuditHead.objects.update_or_create(pk=1, defaults={"sequence": CHAIN, "entry_hash": previous})
    print(f"built {CHAIN:,} entries in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    result = audit_verify_chain()
    elapsed = time.perf_counter() - start
    assert result.ok, result.describe()
    print(f"audit_verify over {CHAIN:,} entries: {elapsed:.1f} s ({CHAIN / elapsed:,.0f} entries/s)")

    # (3) metrics of a year
    rights = ["access", "erasure", "rectification", "opt_out_sale_sharing", "limit_sensitive"]
    facts = []
    for i in range(FACTS):
        received = dt.date(2026, 1, 1) + dt.timedelta(days=i % 365)
        closed = received + dt.timedelta(days=i % 50) if i % 7 else None
        facts.append(CaseFact(regime="ccpa", right=rights[i % 5], received_on=received, status="completed",
                              outcome="whole" if closed else "open", closed_on=closed,
                              due_on=received + dt.timedelta(days=45)))
    CaseFact.objects.bulk_create(facts, batch_size=10_000)
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        metrics_for_period(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), regime="ccpa")
        runs.append(time.perf_counter() - start)
    print(f"§7102 metrics of a year over {FACTS:,} facts: median {statistics.median(runs):.2f} s")


if __name__ == "__main__":
    main()
