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
    parser.add_argument("--database-url", default=urlunsplit(parts._replace(path="/mp_bench_consents")),
                        help="PostgreSQL URL of the benchmark database; it is dropped and recreated.")
    parser.add_argument("--subjects", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    return parser.parse_args()


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("mp_bench"):
        sys.exit(f"refusing to drop {name!r}: the benchmark database name must start with mp_bench")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


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
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        # The API counts every call per client (consents.api, 600/m) and per token (scope api,
        # MEDPRIVACY_API_REQUESTS_PER_HOUR, 600/h): one client and one token send every request here, so
        # raise both far above the run's count; the counting itself stays on and is part of what is timed.
        "MEDPRIVACY_RATE_CONSENT_API": "1000000000/m",
        "MEDPRIVACY_API_REQUESTS_PER_HOUR": "1000000000",
    })
    import django

    django.setup()


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
            INSERT INTO subjects_datasubject (email, full_name, phone, relationship, country, subdivision,
                                                  created_at, updated_at)
            SELECT 'bench' || i || '@example.com', 'Bench Subject ' || i, '', 'website_visitor',
                   split_part(r, '|', 1), split_part(r, '|', 2), %(start)s, %(start)s
            FROM generate_series(0, %(n)s - 1) AS i,
                 LATERAL (SELECT (%(residences)s::text[])[1 + i %% %(nr)s] AS r) AS res
            ORDER BY i
        """, {"start": START, "n": args.subjects, "residences": residences, "nr": len(residences)})
        phases = {"subjects": time.perf_counter() - started}
        cur.execute("SELECT min(id), max(id) FROM subjects_datasubject")
        first_id, last_id = cur.fetchone()
        assert last_id - first_id + 1 == args.subjects
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
    med, p99 = statistics.median(seconds) * 1000, percentile(seconds, 0.99) * 1000
    rps = len(seconds) / wall
    cpu_ms = cpu / len(seconds) * 1000
    print(f"{name:<34} median {med:7.3f} ms   p99 {p99:7.3f} ms   {rps:7.0f} per s   client CPU {cpu_ms:6.3f} ms/call")
    return {"median": med, "p99": p99, "rps": rps}


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

    api_times, answers = [], []
    wall, cpu = time.perf_counter(), time.process_time()
    for email, code in pairs:
        t0 = time.perf_counter()
        response = client.get(url, {"email": email, "purpose": code})
        api_times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.content
        answers.append(response.json()["permitted"])
    api = summarize("API (test Client, full stack)", api_times, time.perf_counter() - wall, time.process_time() - cpu)

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
        WHERE d.email = %s
    """
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
