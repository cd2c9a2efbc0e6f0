"""Benchmark the officer's case list (the workbench changelist) at 1,000,000 cases, on PostgreSQL (issue 19, P1).

    .venv/bin/python benchmarks/workbench_case_list.py [--scale 1000000] [--rounds 30] [--keep]
    # server from DATABASE_URL; the database is `mpbench_list` (dropped and recreated unless --reuse)

Data (generated inside PostgreSQL with `INSERT … SELECT generate_series`, never row by row through the ORM):
`--scale` cases (1/8 open), one subject and submission per two cases, 400 case workers in the officers group,
every case assigned with guardian's view and change rows for its assignee (2 per case: 2M rows at 1M) — except
that the measured officer has 3,000 cases assigned and 2,000 more shared with a group they belong to.

For the officer (5,000 visible) and the supervisor (every case) it times the full admin changelist through
Django's test Client (middleware, ChangeList, template) for: the default page, a status filter, searches
(whole reference, e-mail address, reference fragment), sorted by due date, page 50. The baseline, in the same
run, is a plain Django ListView (paginate_by=50, default Paginator, minimal template with the same columns)
over a correctly scoped queryset with the same filter/search/order, called directly (no middleware). It
prints, per scenario, p50/p95/p99 of both, the ratio of p95s, the query count of the admin page, and the
machine's load average; the rows of the admin page are checked against the baseline's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "mpbench_list"
_server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
os.environ["DATABASE_URL"] = f"{_server}/{DB_NAME}"
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medprivacy.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

OFFICERS, GROUP_SHARED, ASSIGNED, PAGE = 400, 2_000, 3_000, 50


def recreate_database(reuse: bool) -> bool:
    """Create the benchmark database (drop it first unless reusing); return whether it must be loaded."""
    import psycopg

    with psycopg.connect(f"{_server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and reuse:
            return False
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return True


class StatementCounter:
    """A database execute wrapper counting the statements of one request."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return q[49] * 1000, q[94] * 1000, q[98] * 1000


def load(scale: int) -> dict:
    """Fill the database set-based; return the ids the scenarios need."""
    from django.contrib.auth.models import Group, Permission
    from django.db import connection

    from medprivacy import roles
    from subjects.models import email_digest

    groups = roles.ensure_roles()
    shared = Group.objects.create(name="Legal (shared cases)")
    perms = {p.codename: p.pk for p in Permission.objects.filter(
        content_type__app_label="requests_app", codename__in=["view_case", "change_case"])}
    step = max(scale // ASSIGNED, 2)  # every step-th case is the measured officer's
    share_step = max(scale // GROUP_SHARED, 2)
    people = max(scale // 2, 1)
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("""INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
                       SELECT '!', false, 'officer' || lpad(i::text, 3, '0'), '', '', 'officer' || i || '@x.example',
                              true, true, now() FROM generate_series(0, %s) AS i""", [OFFICERS - 1])
        cur.execute("""INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
                       VALUES ('!', false, 'supervisor', '', '', 'boss@x.example', true, true, now())""")
        cur.execute("SELECT min(id) FROM auth_user WHERE username LIKE 'officer%%'")
        first_officer = cur.fetchone()[0]
        cur.execute("""INSERT INTO auth_user_groups (user_id, group_id)
                       SELECT id, %s FROM auth_user WHERE username LIKE 'officer%%'""",
                    [groups[roles.OFFICERS].pk])
        cur.execute("""INSERT INTO auth_user_groups (user_id, group_id)
                       SELECT id, %s FROM auth_user WHERE username = 'supervisor'""",
                    [groups[roles.SUPERVISORS].pk])
        cur.execute("INSERT INTO auth_user_groups (user_id, group_id) VALUES (%s, %s)", [first_officer, shared.pk])
        cur.execute("""INSERT INTO subjects_datasubject (email, full_name, phone, relationship, country, subdivision,
                       created_at, updated_at, email_hash)
                       SELECT 'person' || i || '@example.com', '', '', 'website_visitor', 'US', 'CA', now(), now(),
                              md5(i::text) || md5((-i)::text)
                       FROM generate_series(1, %s) AS i""", [people])
        cur.execute("""INSERT INTO requests_app_submission (subject_id, channel, received_at, is_agent, agent_name,
                       agent_email, authorization_document, details, correction_wrong, correction_right,
                       clinic_name, declaration_accepted, created_at, filed_identity, language)
                       SELECT id, 'web_form', now(), false, '', '', '', '', '', '', '', true, now(), '{}', 'en'
                       FROM subjects_datasubject ORDER BY id""")
        cur.execute("SELECT min(id) FROM subjects_datasubject")
        first_subject = cur.fetchone()[0]
        cur.execute("SELECT min(id) FROM requests_app_submission")
        first_submission = cur.fetchone()[0]
        # Open (1 in 8): awaiting verification / verified / in progress / awaiting requester; else completed
        # or denied. Received over three years; due 45 days after receipt (a few extended).
        cur.execute("""
            INSERT INTO requests_app_case (reference, submission_id, subject_id, "right", regime, status, channel,
                received_at, receipt_date, is_agent, is_patient, verification_level, verified_at,
                verification_method, needs_officer_verification, acknowledge_by, respond_by, extended_respond_by,
                due_on, acknowledged_at, extended_at, extension_reason, paused_days, paused_since, assignee_id,
                duplicate_of_id, closed_at, outcome_summary, denial_ground, created_at, updated_at, outcome,
                verification_evidence, verification_scope, awaiting_reply_since)
            SELECT 'DSR-' || (2024 + i %% 3) || '-' || lpad(i::text, 7, '0'),
                   %(sub)s + (i - 1) / 2, %(subj)s + (i - 1) / 2,
                   (ARRAY['access','erasure','correction','opt_out_sale_sharing'])[1 + i %% 4], 'ccpa',
                   CASE WHEN i %% 8 = 0 THEN (ARRAY['awaiting_verification','verified','in_progress',
                                                   'awaiting_requester'])[1 + (i / 8) %% 4]
                        ELSE (ARRAY['completed','denied'])[1 + i %% 2] END,
                   'web_form', d.received, d.received::date, false, false, 'email', d.received, 'bench', false,
                   d.received::date + 10, d.received::date + 45, d.received::date + 90,
                   d.received::date + 45 + CASE WHEN i %% 50 = 0 THEN 45 ELSE 0 END, d.received, NULL, '', 0, NULL,
                   %(off)s + CASE WHEN i %% %(step)s = 0 THEN 0 ELSE 1 + i %% %(others)s END,
                   NULL, CASE WHEN i %% 8 = 0 THEN NULL ELSE d.received + interval '30 days' END, '', '',
                   d.received, d.received, CASE WHEN i %% 8 = 0 THEN '' ELSE 'complied' END, '', '', NULL
            FROM generate_series(1, %(n)s) AS i
            CROSS JOIN LATERAL (SELECT timestamptz '2024-01-01 12:00+00' + (i %% 1095) * interval '1 day'
                                AS received) d
        """, {"sub": first_submission, "subj": first_subject, "off": first_officer, "step": step,
              "others": OFFICERS - 1, "n": scale})
        cur.execute("""INSERT INTO requests_app_caseuserobjectpermission (content_object_id, permission_id, user_id)
                       SELECT c.id, p.id, c.assignee_id FROM requests_app_case c
                       CROSS JOIN (VALUES (%s), (%s)) AS p(id)""", [perms["view_case"], perms["change_case"]])
        cur.execute("""INSERT INTO requests_app_casegroupobjectpermission (content_object_id, permission_id, group_id)
                       SELECT c.id, %s, %s FROM requests_app_case c
                       WHERE c.assignee_id <> %s AND (c.id %% %s) = 1""",
                    [perms["view_case"], shared.pk, first_officer, share_step])
        # One requester the e-mail search must find (the keyed hash computed as intake does).
        cur.execute("UPDATE subjects_datasubject SET email = %s, email_hash = %s WHERE id = %s",
                    ["findme@example.com", email_digest("findme@example.com"), first_subject + 2])
        cur.execute("VACUUM ANALYZE")  # Django runs in autocommit here: visibility map for index-only scans
    print(f"  loaded {scale:,} cases in {time.perf_counter() - started:.1f} s")
    return {"officer": first_officer}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1_000_000, help="number of cases (default 1,000,000)")
    parser.add_argument("--rounds", type=int, default=30, help="timed requests per scenario and side")
    parser.add_argument("--reuse", action="store_true", help="reuse a loaded mpbench_list database")
    parser.add_argument("--profile", metavar="WHO", choices=("officer", "supervisor"),
                        help="only profile WHO's default page (cProfile, --rounds requests) and print where the "
                             "time goes")
    args = parser.parse_args()
    must_load = recreate_database(args.reuse)

    import django

    django.setup()
    from django.conf import settings
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.db.models.expressions import RawSQL
    from django.template import engines
    from django.test import Client, RequestFactory
    from django.urls import reverse
    from django.views.generic import ListView

    from requests_app import selectors
    from requests_app.admin import CaseAdmin
    from requests_app.models import CASE_LIST_ORDER, Case, open_rank
    from requests_app.workflow import OPEN_STATUSES

    settings.ALLOWED_HOSTS = ["*"]
    connection.settings_dict["CONN_MAX_AGE"] = None  # one connection for the run (as in production), both sides
    settings.MEDPRIVACY_2FA_REQUIRED_FOR_SUPERVISORS = False
    if must_load:
        print(f"Migrating {DB_NAME} …")
        call_command("migrate", verbosity=0)
        print(f"Loading {args.scale:,} cases …")
        load(args.scale)
    users = get_user_model().objects
    officer = users.filter(username__startswith="officer").order_by("pk").first()
    boss = users.get(username="supervisor")
    mine = Case.objects.filter(assignee=officer).order_by("pk")
    some_reference = mine[10].reference
    fragment = some_reference[-6:-1]

    # The baseline: a plain ListView over a correctly scoped queryset (hand-written scope SQL, same order).
    scope_sql = """SELECT content_object_id FROM requests_app_caseuserobjectpermission up
                   JOIN auth_permission p ON p.id = up.permission_id
                   WHERE up.user_id = %s AND p.codename = 'view_case'
                   UNION ALL
                   SELECT content_object_id FROM requests_app_casegroupobjectpermission gp
                   JOIN auth_permission p ON p.id = gp.permission_id
                   JOIN auth_user_groups ug ON ug.group_id = gp.group_id
                   WHERE ug.user_id = %s AND p.codename = 'view_case'"""
    template = engines["django"].from_string(
        "<table>{% for c in object_list %}<tr><td>{{ c.reference }}</td><td>{{ c.right }}</td>"
        "<td>{{ c.regime }}</td><td>{{ c.subject.masked_email }}</td><td>{{ c.get_status_display }}</td>"
        "<td>{{ c.due_on }}</td><td>{{ c.assignee.username|default:'—' }}</td><td>{{ c.channel }}</td></tr>"
        "{% endfor %}</table>{{ page_obj.number }} / {{ paginator.num_pages }}")

    def baseline_queryset(user, params: dict):
        qs = Case.objects.select_related("subject", "assignee")
        if user is officer:
            qs = qs.filter(pk__in=RawSQL(scope_sql, [user.pk, user.pk]))
        # The admin's list opens on open cases; a search or a chosen status looks at all (CaseStateFilter).
        state = params.get("state", "all" if "q" in params or "status" in params else "open")
        if state == "open":
            qs = qs.filter(status__in=OPEN_STATUSES)
        if "status" in params:
            qs = qs.filter(status=params["status"])
        if "q" in params:
            qs = selectors.cases_search(qs, term=params["q"])
        if "o" in params:
            return qs.order_by("due_on", "-pk")
        return qs.alias(open_rank=open_rank()).order_by(*CASE_LIST_ORDER)

    class Baseline(ListView):
        paginate_by = PAGE
        page_kwarg = "p"

        def get_queryset(self):
            return baseline_queryset(self.request.user, self.request.GET.dict())

        def render_to_response(self, context, **kwargs):
            from django.http import HttpResponse
            return HttpResponse(template.render(context))

    due_column = str(list(CaseAdmin.list_display).index("days_left") + 1)
    scenarios = [
        ("default page", {}),
        ("filtered: status=in_progress", {"status": "in_progress"}),
        ("search: whole reference", {"q": some_reference}),
        ("search: e-mail address", {"q": "findme@example.com"}),
        ("search: reference fragment", {"q": fragment}),
        ("sorted by due date", {"o": due_column}),
        ("page 50 of all cases", {"p": "50", "state": "all"}),
    ]
    changelist = reverse("admin:requests_app_case_changelist")
    case_admin = admin.site.get_model_admin(Case)
    factory, baseline_view = RequestFactory(), Baseline.as_view()
    visible = Case.objects.filter(pk__in=RawSQL(scope_sql, [officer.pk, officer.pk])).count()
    print(f"\nCase list at {Case.objects.count():,} cases; the officer sees {visible:,}; "
          f"load average {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f} (1 / 5 min)")
    print(f"{'who':10} {'scenario':32} {'admin p50/p95/p99 ms':>24} {'baseline p50/p95/p99 ms':>26} "
          f"{'ratio p95':>9} {'queries':>7}")
    if args.profile:
        import cProfile
        import pstats

        client = Client()
        client.force_login(officer if args.profile == "officer" else boss)
        client.get(changelist)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.rounds):
            client.get(changelist)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return
    for who, user in (("officer", officer), ("supervisor", boss)):
        client = Client()
        client.force_login(user)
        for name, params in scenarios:
            counter = StatementCounter()
            with connection.execute_wrapper(counter):
                response = client.get(changelist, params)
            assert response.status_code == 200, (who, name, response.status_code)
            request = factory.get(changelist, params)
            request.user = user
            admin_rows = [c.pk for c in case_admin.get_changelist_instance(request).result_list]
            admin_s, base_s = [], []
            for _ in range(args.rounds):
                start = time.perf_counter()
                client.get(changelist, params)
                admin_s.append(time.perf_counter() - start)
                request = factory.get("/baseline/", params)
                request.user = user
                start = time.perf_counter()
                baseline_view(request)
                base_s.append(time.perf_counter() - start)
            expected = [c.pk for c in baseline_queryset(user, params)[
                (int(params.get("p", 1)) - 1) * PAGE:int(params.get("p", 1)) * PAGE]]
            assert admin_rows == expected, (who, name, admin_rows[:5], expected[:5])
            a, b = percentiles(admin_s), percentiles(base_s)
            print(f"{who:10} {name:32} {a[0]:7.1f} {a[1]:7.1f} {a[2]:7.1f}   {b[0]:7.1f} {b[1]:7.1f} {b[2]:7.1f}   "
                  f"{a[1] / b[1]:8.2f}x {counter.count:7d}")
    print(f"load average after: {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f}")


if __name__ == "__main__":
    main()
