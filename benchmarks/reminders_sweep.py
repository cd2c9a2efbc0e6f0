"""Benchmark the reminders sweep: 1,000,000 open cases, 10,000 of them due, on PostgreSQL (issue 19, P3).

Measures, in one run and on the same data:
- the claim through the service (`reminders_claim`: reads the cases whose stored next look has come,
  locks them, computes every kind of reminder for them, inserts them with bulk_create(ignore_conflicts), and
  reschedules the cases), beside the baseline: the due-soon claim written as one raw
  `INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING` over the open cases;
- a steady-state sweep (everything claimed, nothing due: what beat pays every five minutes), against the
  raw claim repeated (which inserts nothing but still reads every candidate);
- sending all 10,000 reminders (locmem e-mail backend: the database work, not an SMTP server).
Each prints p50/p95/p99 over --repeat runs (claims inside rolled-back transactions), the ratio and the load.

Run:  .venv/bin/python benchmarks/reminders_sweep.py [--scale 1000000] [--due 10000] [--repeat 5]
Server from DATABASE_URL; the database is `mpbench_list_jobs`, created if missing, its case tables emptied and
refilled (set-based: one INSERT … SELECT generate_series) on every run.
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
_server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
os.environ["DATABASE_URL"] = f"{_server}/mpbench_list_jobs"
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


def load(n_cases: int, n_due: int, today, tz: str) -> None:
    """Fill the tables with n_cases open, assigned cases; n_due of them due in three days (no extension).

    Their schedule rows (`CaseReminderSchedule.next_at`) are what `Case.save` stores for these cases (checked on
    a sample after loading): midnight seven days before the due date (the first due-soon reminder), i.e. now
    for the due ones.
    """
    with connection.cursor() as cur:
        cur.execute("TRUNCATE requests_app_reminder, timeline_timelineevent, requests_app_case, "
                    "requests_app_submission, subjects_datasubject, auth_user CASCADE")
        cur.execute("""INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined) VALUES ('!', false, 'bench-officer', '', '',
                       'officer@meddimensions.example', true, true, now()) RETURNING id""")
        officer_id = cur.fetchone()[0]
        cur.execute("""INSERT INTO subjects_datasubject (email, full_name, phone, relationship, country,
                       subdivision, created_at, updated_at, email_hash) VALUES ('bench@example.com', 'Bench', '',
                       'website_visitor', 'US', 'CA', now(), now(), '') RETURNING id""")
        subject_id = cur.fetchone()[0]
        cur.execute("""INSERT INTO requests_app_submission (subject_id, channel, received_at, is_agent, agent_name,
                       agent_email, authorization_document, details, correction_wrong, correction_right,
                       clinic_name, declaration_accepted, created_at, filed_identity, language) VALUES (%s, 'web_form',
                       now(), false, '', '', '', '', '', '', '', true, now(), '{}', 'en') RETURNING id""", [subject_id])
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
              "n": n_cases, "tz": tz})
        cur.execute("""INSERT INTO requests_app_casereminderschedule (case_id, next_at)
                       SELECT id, GREATEST(%(today)s::date, due_on - 7)::timestamp AT TIME ZONE %(tz)s
                       FROM requests_app_case""", {"today": today, "tz": tz})
        cur.execute("ANALYZE requests_app_case")
        cur.execute("ANALYZE requests_app_casereminderschedule")
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


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50/p95/p99 in milliseconds (inclusive method: fine for a handful of samples)."""
    if len(samples) == 1:
        return (samples[0] * 1000,) * 3
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return q[49] * 1000, q[94] * 1000, q[98] * 1000


def line(label: str, samples: list[float], base: list[float] | None = None) -> None:
    p50, p95, p99 = percentiles(samples)
    ratio = f"   ratio p50 {p50 / percentiles(base)[0]:5.2f}x" if base else ""
    print(f"  {label:58} p50 {p50:9.1f}  p95 {p95:9.1f}  p99 {p99:9.1f} ms{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1_000_000, help="open cases (default 1,000,000)")
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--send", type=int, default=None, help="time sending only this many (default: all due)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the loaded cases; forget earlier claims (reminders, timeline, due cases' schedule)")
    parser.add_argument("--profile", action="store_true", help="cProfile one rolled-back service claim first")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL")

    call_command("migrate", verbosity=0)
    policy = reminders.reminder_policy()
    now = timezone.now()
    today = policy.today(now)
    if args.reuse:
        with connection.cursor() as cur:
            cur.execute("TRUNCATE requests_app_reminder, timeline_timelineevent")
            cur.execute("""UPDATE requests_app_casereminderschedule s SET next_at = %s::date::timestamp AT TIME ZONE %s
                           FROM requests_app_case c WHERE c.id = s.case_id AND c.due_on <= %s::date + 7""",
                        [today, str(policy.time_zone), today])
    else:
        print(f"Loading {args.scale:,} open cases ({args.due:,} due) into {connection.settings_dict['NAME']} …")
        load_s, _ = timed(lambda: load(args.scale, args.due, today, str(policy.time_zone)))
        print(f"  loaded in {load_s:.1f} s; load average {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f}")
    from requests_app.models import Case
    from requests_app.reminder_schedule import next_reminder_at

    sample = Case.objects.filter(pk__in=[1, 2, args.due, args.due + 1, args.scale // 2, args.scale])
    for dsr in sample.select_related("reminder_schedule"):  # the loaded schedule is what the model would store
        assert dsr.reminder_schedule.next_at == next_reminder_at(dsr, policy=policy, now=now), dsr.pk

    horizon = today + dt.timedelta(days=max(policy.due_offsets))
    raw_params = {"offsets": list(policy.due_offsets), "today": today, "horizon": horizon,
                  "open": list(OPEN_STATUSES), "now": now}

    def raw_claim() -> int:
        with connection.cursor() as cur:
            cur.execute(RAW_DUE_SOON_CLAIM, {**raw_params, "token": uuid.uuid4()})
            return len(cur.fetchall())

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        rolled_back(lambda: profiler.runcall(reminders.reminders_claim, policy=policy))
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)

    print(f"\nReminders sweep over {args.scale:,} open cases, {args.due:,} due ({args.repeat} runs each; "
          f"load average {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f}):", flush=True)
    raw_times, service_times = [], []
    for _ in range(args.repeat):
        t, n_raw = rolled_back(raw_claim)
        raw_times.append(t)
        t, claim = rolled_back(lambda: reminders.reminders_claim(policy=policy))
        service_times.append(t)
    assert n_raw == len(claim.claimed_ids) == args.due, (n_raw, len(claim.claimed_ids))
    line("claim, raw INSERT…SELECT…ON CONFLICT (due-soon; baseline)", raw_times)
    line("claim, service reminders_claim (all kinds + reschedule)", service_times, raw_times)

    # Claim for real, then the steady state (nothing due) and the delivery.
    claim_s, claim = timed(lambda: reminders.reminders_claim(policy=policy))
    assert len(claim.claimed_ids) == args.due
    assert not reminders.cases_due_for_reminders(now=now).exists()
    print(f"  claim committed (the first real sweep)                     {claim_s * 1000:9.1f} ms", flush=True)
    steady = [timed(lambda: reminders.reminders_claim(policy=policy))[0] for _ in range(args.repeat * 10)]
    steady_raw = [timed(raw_claim)[0] for _ in range(args.repeat)]
    line("steady state, nothing due: service", steady, steady_raw)
    line("steady state: raw claim re-reading every candidate", steady_raw)
    plan = reminders.cases_due_for_reminders(now=now).explain()
    print(f"  steady-state read: {' / '.join(x.strip() for x in plan.splitlines()[:2])}", flush=True)
    to_send = args.send or args.due
    if to_send < args.due:  # leave the rest for later: only the first `to_send` rows are due now
        later = Reminder.objects.order_by("pk").values_list("pk", flat=True)[to_send:]
        Reminder.objects.filter(pk__in=list(later)).update(next_attempt_at=now + dt.timedelta(days=1))
    mail.outbox = []
    send_s, delivery = timed(lambda: reminders.reminders_deliver(policy=policy, time_budget=None))
    assert delivery.sent == to_send == len(mail.outbox), (delivery.sent, len(mail.outbox))
    print(f"  send {to_send:,} (locmem backend): {send_s:.2f} s, {to_send / send_s:,.0f} reminders/s, "
          f"{send_s / to_send * 1000:.2f} ms each; load average {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
