"""Benchmark the officer's case list: guardian-scoped selector vs a hand-written SQL baseline.

Run on PostgreSQL (it creates and drops its own database `bench_<name>`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mp_workbench .venv/bin/python benchmarks/workbench_case_list.py

Builds 20 officers with 250 assigned cases each (5,000 cases), then times the first page (50 rows) of one
officer's list, ordered open-first by due date with requester and assignee joined, as the admin asks
for it (`access.cases_for_user` + the admin's annotation), against one raw SQL query returning
the same rows. Prints the median per query and the ratio.
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
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Case as SqlCase  # noqa: E402
from django.db.models import IntegerField, Value, When  # noqa: E402

OFFICERS, PER_OFFICER, PAGE, ROUNDS = 20, 250, 50, 200


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
    from medprivacy import access, roles
    from requests_app.models import Case, CaseUserObjectPermission, Submission
    from requests_app.workflow import OPEN_STATUSES
    from subjects.models import DataSubject

    roles.ensure_roles()
    User = get_user_model()
    group = roles.ensure_roles()[roles.OFFICERS]
    officers = [User.objects.create(username=f"officer{i}", is_staff=True) for i in range(OFFICERS)]
    for user in officers:
        user.groups.add(group)
    received = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)
    subjects = DataSubject.objects.bulk_create(
        [DataSubject(email=f"s{i}@example.com") for i in range(OFFICERS * PER_OFFICER)])
    submissions = Submission.objects.bulk_create([Submission(subject=s, received_at=received) for s in subjects])
    cases = Case.objects.bulk_create([
        Case(reference=f"DSR-2026-{i:06d}", submission=sub, subject=sub.subject, right="access", regime="ccpa",
             status="in_progress" if i % 5 else "completed", received_at=received, receipt_date=received.date(),
             respond_by=received.date() + dt.timedelta(days=45), due_on=received.date() + dt.timedelta(days=i % 60),
             assignee=officers[i % OFFICERS])
        for i, sub in enumerate(submissions)
    ])
    perms = list(Permission.objects.filter(content_type__app_label="requests_app",
                                           codename__in=["view_case", "change_case"]))
    CaseUserObjectPermission.objects.bulk_create([
        CaseUserObjectPermission(user=dsr.assignee, permission=perm, content_object=dsr)
        for dsr in cases for perm in perms
    ])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = User.objects.get(pk=officers[7].pk)
    open_statuses = list(OPEN_STATUSES)
    view_perm = next(p for p in perms if p.codename == "view_case")

    def orm() -> list:
        rank = SqlCase(When(status__in=open_statuses, then=Value(0)), default=Value(1), output_field=IntegerField())
        qs = (access.cases_for_user(user=user).annotate(open_rank=rank).select_related("subject", "assignee")
              .order_by("open_rank", "due_on", "pk")[:PAGE])
        return [(c.pk, c.subject.email, c.assignee.username) for c in qs]

    raw_sql = f"""
        SELECT c.id, s.email, u.username FROM requests_app_case c
        JOIN requests_app_caseuserobjectpermission p ON p.content_object_id = c.id
        JOIN subjects_datasubject s ON s.id = c.subject_id
        LEFT JOIN auth_user u ON u.id = c.assignee_id
        WHERE p.user_id = %s AND p.permission_id = %s
        ORDER BY CASE WHEN c.status = ANY(%s) THEN 0 ELSE 1 END, c.due_on, c.id LIMIT {PAGE}"""

    def raw() -> list:
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, [user.pk, view_perm.pk, open_statuses])
            return [tuple(row) for row in cursor.fetchall()]

    assert orm() == raw(), "the two queries must return the same page"

    def timed(fn) -> float:
        samples = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        return statistics.median(samples) * 1000

    timed(orm), timed(raw)  # warm up
    orm_ms, raw_ms = timed(orm), timed(raw)
    print(f"cases={len(cases)} officers={OFFICERS} page={PAGE} rounds={ROUNDS}")
    print(f"selector (guardian get_objects_for_user) median: {orm_ms:.3f} ms")
    print(f"raw SQL baseline median:                       {raw_ms:.3f} ms")
    print(f"ratio selector/raw: {orm_ms / raw_ms:.2f}")


if __name__ == "__main__":
    main()
