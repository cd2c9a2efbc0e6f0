"""Benchmark is_permitted through the consent API against one raw SQL query, on PostgreSQL.

Creates its own database (mp_bench_consents by default, dropped at the end unless --keep), migrates it,
generates 200,000 subjects and 1,000,000 ledger events inside PostgreSQL (INSERT … SELECT generate_series),
derives the current-state table from the ledger in one INSERT … SELECT DISTINCT ON, then times N requests
to GET /api/consents/v1/permitted through Django's test Client (the full middleware stack, token check
included), the same lookups through is_permitted() in process, and the same lookups as one raw SQL query
on the same connection, all in the same run, and prints median, p99, requests/s and the ratio.

    .venv/bin/python benchmarks/consents_is_permitted.py
    .venv/bin/python benchmarks/consents_is_permitted.py --database-url postgres://postgres@127.0.0.1:5432/mp_bench_consents
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = ("given", "refused", "withdrawn", "opted_out", "expired")
SOURCES = ("preference_center", "public_request", "officer", "gpc", "unsubscribe_link", "import", "api")
RESIDENCES = (("US", "CA"), ("US", "NY"), ("US", "VA"), ("DE", ""), ("FR", ""), ("GB", ""), ("BR", ""))
START = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/medprivacy")
    parts = urlsplit(default_server)
    parser.add_argument("--database-url", default=urlunsplit(parts._replace(path="/mpbench_consents")),
                        help="PostgreSQL URL of the benchmark database; it is dropped and recreated.")
    parser.add_argument("--scale", type=int, default=None,
                        help="ledger events (1000000 = the issue's 1M events over 200k subjects); sets both below")
    parser.add_argument("--subjects", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--profile", action="store_true",
                        help="Also profile the API calls (cProfile) and print where their time goes.")
    args = parser.parse_args()
    if args.scale:
        args.events, args.subjects = args.scale, max(1, args.scale // 5)
    return args


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith(("mp_bench", "mpbench")):
        sys.exit(f"refusing to drop {name!r}: the benchmark database name must start with mp_bench or mpbench")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


FLOOR_PATH = "/bench/floor"
FLOOR_SQL = """
    SELECT s.state FROM subjects_datasubject d
    JOIN consents_purpose p ON p.code = %s
    LEFT JOIN consents_consentstate s ON s.subject_id = d.id AND s.purpose_id = p.id
    WHERE d.email_hash = %s
"""


def floor_view(request):
    """The framework floor: parse the query, one raw lookup, a JSON answer."""
    from django.db import connection
    from django.http import JsonResponse

    from subjects.models import email_digest

    with connection.cursor() as cur:
        cur.execute(FLOOR_SQL, [request.GET["purpose"], email_digest(request.GET["email"])])
        row = cur.fetchone()
    return JsonResponse({"state": row[0] if row else None})


def urlpatterns_with_floor():
    from django.urls import include, path

    return [path(FLOOR_PATH.lstrip("/"), floor_view), path("", include("medprivacy.urls"))]


urlpatterns: list = []  # filled in setup_django: this module is the ROOT_URLCONF of the run


def setup_django(url: str, var_dir: str) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "medprivacy.settings",
        "DATABASE_URL": url,
        "DJANGO_ENV_FILE": os.devnull,  # ignore a developer's .env
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "MEDPRIVACY_VAR_DIR": var_dir,
        # Redis (db 7 by default) as in production: the rate limiter's counters live there.
        "REDIS_URL": os.environ.get("MP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
        "LOG_LEVEL": "WARNING",
        # The API counts every call per client (consents.api, 600/m) and per token (scope api,
        # MEDPRIVACY_API_REQUESTS_PER_HOUR, 600/h): one client and one token send every request here, so
        # raise both far above the run's count; the counting itself stays on and is part of what is timed.
        "MEDPRIVACY_RATE_CONSENT_API": "1000000000/m",
        "MEDPRIVACY_API_REQUESTS_PER_HOUR": "1000000000",
    })
    import django

    django.setup()
    from django.conf import settings

    urlpatterns[:] = urlpatterns_with_floor()
    settings.ROOT_URLCONF = __name__


def load(args: argparse.Namespace, rng: random.Random) -> tuple[list[str], list[str]]:
    """Generate subjects and events in the database, derive the state table; return the e-mails and purpose codes."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("SELECT id, code FROM consents_purpose ORDER BY id")
        purposes = cur.fetchall()
    purpose_ids = [pid for pid, _ in purposes]
    emails = [f"bench{i}@example.com" for i in range(args.subjects)]

    started = time.perf_counter()
    raw = connection.connection  # the psycopg connection under Django's
    residences = [f"{c}|{sd}" for c, sd in RESIDENCES]
    with raw.cursor() as cur:
        cur.execute("SELECT setseed(%s)", [rng.random() * 2 - 1])  # reproducible random() below
        # Generated inside PostgreSQL (INSERT … SELECT generate_series): no row crosses the wire.
        cur.execute("""
            INSERT INTO subjects_datasubject (email, email_hash, full_name, phone, relationship, country,
                                                  subdivision, created_at, updated_at)
            SELECT 'bench' || i || '@example.com', '', 'Bench Subject ' || i, '', 'website_visitor',
                   split_part(r, '|', 1), split_part(r, '|', 2), %(start)s, %(start)s
            FROM generate_series(0, %(n)s - 1) AS i,
                 LATERAL (SELECT (%(residences)s::text[])[1 + i %% %(nr)s] AS r) AS res
            ORDER BY i
        """, {"start": START, "n": args.subjects, "residences": residences, "nr": len(residences)})
        phases = {"subjects": time.perf_counter() - started}
        cur.execute("SELECT min(id), max(id) FROM subjects_datasubject")
        first_id, last_id = cur.fetchone()
        assert last_id - first_id + 1 == args.subjects
        # Lookups match the keyed hash of the address (subjects.models.email_digest, an HMAC PostgreSQL
        # cannot compute without pgcrypto): computed here and sent with COPY, then one UPDATE … FROM.
        from subjects.models import email_digest

        cur.execute("CREATE TEMP TABLE bench_hash (id bigint PRIMARY KEY, h varchar(64))")
        with cur.copy("COPY bench_hash (id, h) FROM STDIN") as copy:
            for i in range(args.subjects):
                copy.write_row((first_id + i, email_digest(f"bench{i}@example.com")))
        cur.execute("UPDATE subjects_datasubject d SET email_hash = b.h FROM bench_hash b WHERE b.id = d.id")
        cur.execute("DROP TABLE bench_hash")
        # Every subject gets one event, the rest go to random subjects; ids follow the instants.
        cur.execute("""
            INSERT INTO consents_consentevent (subject_id, browser_id, purpose_id, kind, at, source,
                                               notice_version_id, user_agent, ip_prefix, dsr_reference, note)
            SELECT %(first)s + ev.k, '', ev.pid, ev.kind, %(start)s + (ev.n + 1) * interval '15 seconds', ev.source,
                   nv.id, 'Mozilla/5.0 (benchmark)', '203.0.113.0/24', '', ''
            FROM (
                SELECT n,
                       CASE WHEN n < %(subjects)s THEN n ELSE floor(random() * %(subjects)s)::bigint END AS k,
                       (%(pids)s::bigint[])[1 + floor(random() * %(np)s)::int] AS pid,
                       (%(kinds)s::text[])[1 + floor(random() * %(nk)s)::int] AS kind,
                       (%(sources)s::text[])[1 + floor(random() * %(ns)s)::int] AS source
                FROM generate_series(0, %(events)s - 1) AS n
            ) AS ev
            JOIN consents_noticeversion nv ON nv.purpose_id = ev.pid AND nv.version = 1
            ORDER BY ev.n
        """, {"first": first_id, "start": START, "subjects": args.subjects, "events": args.events,
              "pids": purpose_ids, "np": len(purpose_ids), "kinds": list(KINDS), "nk": len(KINDS),
              "sources": list(SOURCES), "ns": len(SOURCES)})
        phases["events"] = time.perf_counter() - started - sum(phases.values())
        # The state table is the latest event per subject and purpose: exactly what the service maintains.
        cur.execute("""
            INSERT INTO consents_consentstate (subject_id, browser_id, purpose_id, state, last_event_id, changed_at)
            SELECT DISTINCT ON (subject_id, purpose_id) subject_id, '', purpose_id, kind, id, at
            FROM consents_consentevent ORDER BY subject_id, purpose_id, id DESC
        """)
        states = cur.rowcount
        phases["states"] = time.perf_counter() - started - sum(phases.values())
        cur.execute("ANALYZE")
        cur.execute("""
            SELECT count(*) FROM consents_consentstate s
            WHERE s.last_event_id <> (SELECT max(e.id) FROM consents_consentevent e
                                      WHERE e.subject_id = s.subject_id AND e.purpose_id = s.purpose_id)
        """)
        disagreements = cur.fetchone()[0]
    raw.commit()
    print(f"loaded {args.subjects:,} subjects, {args.events:,} events, {states:,} state rows "
          f"in {time.perf_counter() - started:.1f} s ("
          + ", ".join(f"{name} {secs:.1f} s" for name, secs in phases.items())
          + f"); state rows disagreeing with the ledger: {disagreements}")
    return emails, [code for _, code in purposes]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summarize(name: str, seconds: list[float], wall: float, cpu: float) -> dict[str, float]:
    """Print latency percentiles, throughput and this process's CPU per call (contention-free cost)."""
    med, p95, p99 = (statistics.median(seconds) * 1000, percentile(seconds, 0.95) * 1000,
                     percentile(seconds, 0.99) * 1000)
    rps = len(seconds) / wall
    cpu_ms = cpu / len(seconds) * 1000
    print(f"{name:<38} p50 {med:7.3f} ms   p95 {p95:7.3f} ms   p99 {p99:7.3f} ms   {rps:6.0f} per s   "
          f"client CPU {cpu_ms:6.3f} ms/call")
    return {"median": med, "p95": p95, "p99": p99, "rps": rps}


def measure(args: argparse.Namespace, rng: random.Random, emails: list[str], codes: list[str]) -> None:
    from django.db import connection
    from django.test import Client

    from consents import selectors, services
    from subjects import selectors as subjects_selectors

    _, token = services.api_token_create(name="benchmark")
    pairs = [(rng.choice(emails), rng.choice(codes)) for _ in range(args.requests)]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = "/api/consents/v1/permitted"

    for email, code in pairs[:100]:  # warm caches, connections and imports
        assert client.get(url, {"email": email, "purpose": code}).status_code == 200
        assert client.get(FLOOR_PATH, {"email": email, "purpose": code}).status_code == 200
    known = sum(client.get(url, {"email": email, "purpose": code}).json()["subject_known"]
                for email, code in pairs[:50])
    assert known == 50, f"only {known} of 50 benchmark addresses found: the e-mail hashes are wrong"

    # The framework floor: a minimal Django view doing the one raw lookup, through the same Client and
    # middleware stack (no token check, no rate limit, no decision logic), alternated with the API below.
    floor_times = []
    wall, cpu = time.perf_counter(), time.process_time()
    for email, code in pairs:
        t0 = time.perf_counter()
        response = client.get(FLOOR_PATH, {"email": email, "purpose": code})
        floor_times.append(time.perf_counter() - t0)
        assert response.status_code == 200
    floor = summarize("minimal Django view, one raw lookup", floor_times, time.perf_counter() - wall,
                      time.process_time() - cpu)

    api_times, answers = [], []
    wall, cpu = time.perf_counter(), time.process_time()
    for email, code in pairs:
        t0 = time.perf_counter()
        response = client.get(url, {"email": email, "purpose": code})
        api_times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.content
        answers.append(response.json()["permitted"])
    api = summarize("API (test Client, full stack)", api_times, time.perf_counter() - wall, time.process_time() - cpu)

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for email, code in pairs:
            client.get(url, {"email": email, "purpose": code})
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)

    selector_times = []
    wall, cpu = time.perf_counter(), time.process_time()
    for (email, code), expected in zip(pairs, answers, strict=True):
        t0 = time.perf_counter()
        subject = subjects_selectors.subject_by_email(email)
        permitted = selectors.is_permitted(subject, code)
        selector_times.append(time.perf_counter() - t0)
        assert permitted is expected
    summarize("is_permitted() in process", selector_times, time.perf_counter() - wall, time.process_time() - cpu)

    sql = """
        SELECT s.state FROM subjects_datasubject d
        JOIN consents_purpose p ON p.code = %s
        LEFT JOIN consents_consentstate s ON s.subject_id = d.id AND s.purpose_id = p.id
        WHERE d.email_hash = %s
    """
    from subjects.models import email_digest

    pairs = [(email_digest(email), code) for email, code in pairs]  # the raw lookup gets the hash
    sql_times = []
    with connection.cursor() as cur:
        for email, code in pairs[:100]:
            cur.execute(sql, [code, email])
            cur.fetchone()
        wall, cpu = time.perf_counter(), time.process_time()
        for email, code in pairs:
            t0 = time.perf_counter()
            cur.execute(sql, [code, email])
            cur.fetchone()
            sql_times.append(time.perf_counter() - t0)
        raw = summarize("raw SQL (one query, same conn.)", sql_times, time.perf_counter() - wall,
                        time.process_time() - cpu)
    print(f"ratio API / raw SQL: median {api['median'] / raw['median']:.1f}x, p99 {api['p99'] / raw['p99']:.1f}x, "
          f"throughput {raw['rps'] / api['rps']:.1f}x")
    print(f"ratio API / minimal Django view (framework floor): p50 {api['median'] / floor['median']:.2f}x, "
          f"p95 {api['p95'] / floor['p95']:.2f}x, p99 {api['p99'] / floor['p99']:.2f}x")
    ratio = api["p99"] / floor["p99"]
    print(f"goal P5: p99 <= 5 ms {'MET' if api['p99'] <= 5 else 'NOT MET'} ({api['p99']:.2f} ms), "
          f"<= 1.5x the floor {'MET' if ratio <= 1.5 else 'NOT MET'} ({ratio:.2f}x)")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)
    recreate_database(args.database_url)
    try:
        with tempfile.TemporaryDirectory(prefix="mp-bench-") as var_dir:
            setup_django(args.database_url, var_dir)
            emails, codes = load(args, rng)
            measure(args, rng, emails, codes)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
