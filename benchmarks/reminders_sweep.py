"""Benchmark the reminders sweep: 1,000,000 open cases, 10,000 of them due, on PostgreSQL.

Measures, in one run and on the same data:
- the claim of the due reminders through the service (`reminders_claim`: every kind of reminder), and the
  due-soon claim alone through the service's selector + bulk insert, beside the same claim written as one
  raw `INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING` statement (the baseline);
- a steady-state sweep (everything already claimed: what beat pays every five minutes), ORM and raw;
- sending all 10,000 reminders (locmem e-mail backend: the database work, not an SMTP server).

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/mp_bench_jobs .venv/bin/python benchmarks/reminders_sweep.py
The database is created if missing and its case tables are emptied and refilled on every run.
Options: --cases N (default 1,000,000), --due N (default 10,000), --repeat N (default 3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mp_bench_jobs")
os.environ["EMAIL_URL"] = ""
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("DJANGO_DEBUG", "true")  # a throwaway secret key is fine for a local benchmark
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medprivacy.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from requests_app.models import Reminder  # noqa: E402
from requests_app.services import reminders  # noqa: E402
from requests_app.workflow import OPEN_STATUSES  # noqa: E402

RAW_DUE_SOON_CLAIM = """
INSERT INTO requests_app_reminder
    (case_id, kind, target_date, due_date, recipients, state, attempts, created_at, next_attempt_at,
     claim_token, last_error)
SELECT c.id, 'due_soon', c.due_on - o.off, c.due_on, u.email, 'pending', 0, %(now)s, %(now)s, %(token)s, ''
FROM requests_app_case c
JOIN auth_user u ON u.id = c.assignee_id
CROSS JOIN LATERAL (SELECT min(x) AS off FROM unnest(%(offsets)s::int[]) AS x
                    WHERE x >= c.due_on - %(today)s::date) o
WHERE c.status = ANY(%(open)s) AND c.assignee_id IS NOT NULL AND c.paused_since IS NULL
  AND c.due_on BETWEEN %(today)s::date AND %(horizon)s::date AND o.off IS NOT NULL AND u.email <> ''
ON CONFLICT (case_id, kind, target_date) DO NOTHING
RETURNING id
"""


def load(n_cases: int, n_due: int, today) -> None:
    """Fill the tables with n_cases open, assigned cases; n_due of them due in three days (no extension)."""
    with connection.cursor() as cur:
        cur.execute("TRUNCATE requests_app_reminder, timeline_timelineevent, requests_app_case, "
                    "requests_app_submission, subjects_datasubject, auth_user CASCADE")
        cur.execute("""INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined) VALUES ('!', false, 'bench-officer', '', '',
                       'officer@meddimensions.example', true, true, now()) RETURNING id""")
        officer_id = cur.fetchone()[0]
        cur.execute("""INSERT INTO subjects_datasubject (email, full_name, phone, relationship, country,
                       subdivision, created_at, updated_at) VALUES ('bench@example.com', 'Bench', '',
                       'website_visitor', 'US', 'CA', now(), now()) RETURNING id""")
        subject_id = cur.fetchone()[0]
        cur.execute("""INSERT INTO requests_app_submission (subject_id, channel, received_at, is_agent, agent_name,
                       agent_email, authorization_document, details, correction_wrong, correction_right,
                       clinic_name, declaration_accepted, created_at, filed_identity) VALUES (%s, 'web_form', now(),
                       false, '', '', '', '', '', '', '', true, now(), '{}') RETURNING id""", [subject_id])
        submission_id = cur.fetchone()[0]
        # Cases 1..n_due: CCPA opt-outs (no extension, no acknowledgement) due in 3 days. The others: CCPA
        # access requests due 10–309 days from now, half verified, half in progress.
        cur.execute("""
            INSERT INTO requests_app_case (reference, submission_id, subject_id, "right", regime, status, channel,
                received_at, receipt_date, is_agent, is_patient, verification_level, verified_at,
                verification_method, needs_officer_verification, acknowledge_by, respond_by, extended_respond_by,
                due_on, acknowledged_at, extended_at, extension_reason, paused_days, paused_since, assignee_id,
                duplicate_of_id, closed_at, outcome_summary, denial_ground, created_at, updated_at, outcome,
                verification_evidence, verification_scope)
            SELECT 'B-' || lpad(i::text, 8, '0'), %(sub)s, %(subj)s,
                   CASE WHEN i <= %(due)s THEN 'opt_out_sale_sharing' ELSE 'access' END, 'ccpa',
                   CASE WHEN i %% 2 = 0 THEN 'verified' ELSE 'in_progress' END, 'web_form',
                   now(), %(today)s::date, false, false, 'email', now(), 'bench', false, NULL, d.due,
                   CASE WHEN i <= %(due)s THEN NULL ELSE d.due + 45 END, d.due, now(), NULL, '', 0, NULL, %(off)s,
                   NULL, NULL, '', '', now(), now(), '', '', ''
            FROM generate_series(1, %(n)s) AS i
            CROSS JOIN LATERAL (SELECT CASE WHEN i <= %(due)s THEN %(today)s::date + 3
                                            ELSE %(today)s::date + 10 + (i %% 300) END AS due) d
        """, {"sub": submission_id, "subj": subject_id, "due": n_due, "today": today, "off": officer_id,
              "n": n_cases})
        cur.execute("ANALYZE requests_app_case")
        cur.execute("ANALYZE auth_user")


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def rolled_back(fn: Callable[[], object]) -> tuple[float, object]:
    """Time fn inside a transaction that is rolled back afterwards (so every repetition starts clean)."""
    with transaction.atomic():
        elapsed, result = timed(fn)
        transaction.set_rollback(True)
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…/mp_bench_jobs")

    call_command("migrate", verbosity=0)
    policy = reminders.reminder_policy()
    now = timezone.now()
    today = policy.today(now)
    print(f"Loading {args.cases:,} open cases ({args.due:,} due) into {connection.settings_dict['NAME']} …")
    load_s, _ = timed(lambda: load(args.cases, args.due, today))
    print(f"  loaded in {load_s:.1f} s")

    horizon = today + dt.timedelta(days=max(policy.due_offsets))
    raw_params = {"offsets": list(policy.due_offsets), "today": today, "horizon": horizon,
                  "open": list(OPEN_STATUSES), "now": now}

    def raw_claim() -> int:
        with connection.cursor() as cur:
            cur.execute(RAW_DUE_SOON_CLAIM, {**raw_params, "token": uuid.uuid4()})
            return len(cur.fetchall())

    def orm_due_soon_claim() -> int:
        due = list(reminders._due_soon(today, policy, reminders._Recipients(policy)))
        token = uuid.uuid4()
        Reminder.objects.bulk_create(
            [Reminder(case_id=d.case_id, kind=d.kind, target_date=d.target_date, due_date=d.due_date,
                      recipients=",".join(d.recipients), created_at=now, next_attempt_at=now, claim_token=token)
             for d in due], ignore_conflicts=True, batch_size=1000)
        return Reminder.objects.filter(claim_token=token).count()

    candidates = reminders._open_cases().filter(assignee__isnull=False, paused_since__isnull=True,
                                                due_on__range=(today, horizon))
    plan = candidates.values_list("pk", "due_on", "assignee__email").explain()
    print("  plan of the candidate query:", " / ".join(line.strip() for line in plan.splitlines()[:3]))

    raw_times, orm_times, full_times = [], [], []
    for _ in range(args.repeat):
        t, n_raw = rolled_back(raw_claim)
        raw_times.append(t)
        t, n_orm = rolled_back(orm_due_soon_claim)
        orm_times.append(t)
        t, claim = rolled_back(lambda: reminders.reminders_claim(policy=policy))
        full_times.append(t)
    assert n_raw == n_orm == len(claim.claimed_ids) == args.due, (n_raw, n_orm, len(claim.claimed_ids))

    # Claim for real, then measure the steady state (every key exists) and the delivery of all of them.
    claim_s, claim = timed(lambda: reminders.reminders_claim(policy=policy))
    steady_orm = statistics.median(timed(lambda: reminders.reminders_claim(policy=policy))[0]
                                   for _ in range(args.repeat))
    steady_raw = statistics.median(timed(raw_claim)[0] for _ in range(args.repeat))
    mail.outbox = []
    send_s, delivery = timed(lambda: reminders.reminders_deliver(policy=policy, time_budget=None))
    assert delivery.sent == args.due == len(mail.outbox), (delivery.sent, len(mail.outbox))
    assert Reminder.objects.filter(state="sent").count() == args.due

    raw_m, orm_m, full_m = (statistics.median(x) for x in (raw_times, orm_times, full_times))
    print(f"\nReminders sweep over {args.cases:,} open cases, {args.due:,} due (median of {args.repeat}):")
    print(f"  claim, raw SQL INSERT…SELECT…ON CONFLICT (due-soon)  {raw_m * 1000:9.1f} ms")
    print(f"  claim, service selector + bulk insert (due-soon)     {orm_m * 1000:9.1f} ms   "
          f"ratio {orm_m / raw_m:5.2f}x raw")
    print(f"  claim, service reminders_claim (all 8 kinds)         {full_m * 1000:9.1f} ms   "
          f"ratio {full_m / raw_m:5.2f}x raw")
    print(f"  claim committed (first real sweep)                   {claim_s * 1000:9.1f} ms")
    print(f"  steady-state sweep, nothing new: service             {steady_orm * 1000:9.1f} ms   "
          f"ratio {steady_orm / steady_raw:5.2f}x raw ({steady_raw * 1000:.1f} ms)")
    print(f"  send all {args.due:,} (locmem backend)                   {send_s:9.2f} s    "
          f"{args.due / send_s:,.0f} reminders/s, {send_s / args.due * 1000:.2f} ms each")


if __name__ == "__main__":
    main()
