"""Benchmark the fulfilment sweeps' hot queries on PostgreSQL against a raw-SQL baseline in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mp_fulfilment .venv/bin/python benchmarks/fulfilment.py

Migrates the database if needed, inserts 200 cases × 10 tasks (2,000 tasks, 2 % due for a retry) and 2,000
packages (5 % expired) inside a transaction that is rolled back at the end, then times:
- the retry sweep's work list (`tasks_due_for_dispatch`) vs the same SELECT in raw SQL;
- the completion gate (`fulfilment_blocking_tasks(dsr).exists()`) vs raw SQL;
- the expiry sweep's work list (`packages_due_for_deletion`) vs raw SQL.
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
os.environ.setdefault("DJANGO_DEBUG", "true")  # local settings; nothing here depends on DEBUG

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from fulfilment import selectors as fulfilment_selectors  # noqa: E402
from fulfilment.models import AccessPackage, FulfilmentTask, System  # noqa: E402
from requests_app.models import Case, Submission  # noqa: E402
from subjects.models import DataSubject  # noqa: E402

CASES, SYSTEMS, REPEAT = 200, 10, 300


def timed_pair(orm_fn, raw_fn) -> tuple[float, float]:
    """Median microseconds of each, sampled alternately so load from other processes hits both alike."""
    orm, raw_ = [], []
    for _ in range(REPEAT):
        for fn, samples in ((orm_fn, orm), (raw_fn, raw_)):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
    return statistics.median(orm) * 1e6, statistics.median(raw_) * 1e6


def raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.fetchall()


class Rollback(Exception):
    pass


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    now = timezone.now()
    try:
        with transaction.atomic():
            systems = [System.objects.create(name=f"bench-{i}", categories=["contact_identification"],
                                             access_method="webhook") for i in range(SYSTEMS)]
            subjects = DataSubject.objects.bulk_create(
                [DataSubject(email=f"bench{i}@example.com") for i in range(CASES)])
            submissions = Submission.objects.bulk_create([Submission(subject=s, received_at=now) for s in subjects])
            cases = Case.objects.bulk_create([
                Case(reference=f"BENCH-{i:06d}", submission=sub, subject=sub.subject, right="erasure", regime="ccpa",
                     received_at=now, receipt_date=now.date(), respond_by=now.date(), due_on=now.date())
                for i, sub in enumerate(submissions)])
            tasks = []
            for c in cases:
                for s in systems:
                    n = len(tasks)
                    due = now - dt.timedelta(minutes=1) if n % 50 == 0 else (
                        now + dt.timedelta(hours=1) if n % 3 else None)
                    tasks.append(FulfilmentTask(case=c, system=s, action="delete", due_on=now.date(),
                                                request_id=f"bench{n:08d}", next_attempt_at=due,
                                                state="open" if n % 4 else "done"))
            FulfilmentTask.objects.bulk_create(tasks)
            AccessPackage.objects.bulk_create([
                AccessPackage(case=cases[i % CASES], expires_at=now + dt.timedelta(days=-1 if i % 20 == 0 else 3))
                for i in range(2000)])
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE fulfilment_fulfilmenttask; ANALYZE fulfilment_accesspackage")
            table = FulfilmentTask._meta.db_table
            probe = cases[CASES // 2]

            rows = [
                ("retry sweep work list", lambda: fulfilment_selectors.tasks_due_for_dispatch(now=now),
                 lambda: raw(f"SELECT id FROM {table} WHERE state = 'open' AND overridden_at IS NULL AND "
                             f"next_attempt_at <= %s ORDER BY next_attempt_at, id LIMIT 100", [now])),
                ("completion gate (blocking exists)",
                 lambda: fulfilment_selectors.fulfilment_blocking_tasks(probe).exists(),
                 lambda: raw(f"SELECT 1 FROM {table} WHERE case_id = %s AND state IN ('open', 'failed') AND "
                             f"overridden_at IS NULL LIMIT 1", [probe.pk])),
                ("package expiry work list", lambda: fulfilment_selectors.packages_due_for_deletion(now=now),
                 lambda: raw(f"SELECT id FROM {AccessPackage._meta.db_table} WHERE deleted_at IS NULL AND "
                             f"expires_at <= %s ORDER BY expires_at, id LIMIT 500", [now])),
            ]
            print(f"{len(tasks)} tasks, 2000 packages; median of {REPEAT} runs")
            print(f"{'query':38} {'ORM µs':>9} {'raw µs':>9} {'ratio':>6}")
            for name, orm_fn, raw_fn in rows:
                orm_us, raw_us = timed_pair(orm_fn, raw_fn)
                print(f"{name:38} {orm_us:9.1f} {raw_us:9.1f} {orm_us / raw_us:6.2f}")
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
