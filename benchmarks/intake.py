"""Benchmark public intake: gunicorn (gunicorn.conf.py, 4 workers) + PostgreSQL + Redis, 20 concurrent clients,
against the same SQL replayed raw by 20 connections in the same run (issue 19, goal P2).

    .venv/bin/python benchmarks/intake.py [--submissions 2000] [--clients 20] [--workers 4] [--scale 1000000]
        [--database-url postgres://postgres@127.0.0.1:5432/mpbench_intake] [--redis-url redis://127.0.0.1:6379/7]

1. Drops and creates its own database (name must start with ``mpbench_intake``), migrates it, and with
   ``--scale N`` first inserts N existing data subjects (one ``INSERT … SELECT generate_series``) so the
   e-mail lookups and unique indexes are of realistic size.
2. Starts gunicorn on a free port with the project's gunicorn.conf.py (DEBUG off, persistent connections
   as in production, Redis as cache, rate-limit store and Celery broker; the rate limits are raised far
   above the run's count but still counted on every request).
3. 20 client threads each fetch the form once (CSRF cookie and token), then POST submissions — a
   Californian asking to know and delete, a new address each time — as fast as answers come. Prints
   submissions/s and p50/p95/p99 of the POST.
4. Checks every accepted submission is stored with its two cases and its receipt e-mail, and that a
   Celery delivery task was queued in Redis for each.
5. Captures the SQL statements (with parameters) one submission sends, from Django's execute wrapper
   in this process, then replays them raw (psycopg, one transaction per submission, audit head lock
   included) from 20 threads, as many times as the app run, after dropping the non-primary unique
   constraints that would refuse repeated values (so the baseline is, if anything, cheaper than the app's
   database work). Prints the same figures and the ratios.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/mpbench_intake")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=40, help="untimed submissions first (imports, connections)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--scale", type=int, default=0, help="existing data subjects inserted first")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(name: str, latencies: list[float], wall: float) -> dict[str, float]:
    figures = {"rate": len(latencies) / wall, "p50": statistics.median(latencies) * 1000,
               "p95": percentile(latencies, 0.95) * 1000, "p99": percentile(latencies, 0.99) * 1000}
    print(f"{name:<44} {figures['rate']:7.1f} submissions/s   p50 {figures['p50']:7.1f} ms   "
          f"p95 {figures['p95']:7.1f} ms   p99 {figures['p99']:7.1f} ms   ({len(latencies)} in {wall:.1f} s)")
    return figures


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("mpbench_intake"):
        sys.exit(f"refusing to drop {name!r}: the benchmark database name must start with mpbench_intake")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def server_env(args: argparse.Namespace, var_dir: str, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "MEDPRIVACY_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "medprivacy.settings",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": args.redis_url,
        "DJANGO_ENV_FILE": os.devnull,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "MEDPRIVACY_SITE_URL": f"http://127.0.0.1:{port}",
        "MEDPRIVACY_VAR_DIR": var_dir,
        "LOG_LEVEL": "WARNING",
        # Counted on every request, never reached: 20 clients share one address here.
        "MEDPRIVACY_SUBMISSIONS_PER_IP_PER_HOUR": "1000000000",
        "MEDPRIVACY_RATE_PUBLIC_WRITES": "1000000000/10m",
    })
    return env


def setup(args: argparse.Namespace, env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if args.scale:
        started = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("""
                INSERT INTO subjects_datasubject (email, email_hash, full_name, phone, relationship, country,
                                                  subdivision, created_at, updated_at)
                SELECT 'existing' || i || '@example.com', encode(sha256(('existing' || i)::bytea), 'hex'),
                       'Existing ' || i, '', 'website_visitor', 'US', 'CA', now(), now()
                FROM generate_series(1, %s) AS i""", [args.scale])
            cur.execute("ANALYZE")
        print(f"inserted {args.scale:,} existing data subjects in {time.perf_counter() - started:.1f} s")
    connection.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(args: argparse.Namespace, env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "medprivacy.wsgi", "-c", "gunicorn.conf.py",
         "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/requests/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    sys.exit(f"gunicorn did not start:\n{log.read_text()[-3000:]}")


def cpu_seconds() -> dict[str, float]:
    """CPU used so far (user + system) by the gunicorn processes, PostgreSQL's processes and this one.

    A process's own time plus that of its children that have exited (a backend that closed its connection
    is counted in the postmaster's, a restarted worker in gunicorn's master)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"gunicorn": 0.0, "postgres": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seconds = sum(int(value) for value in fields[11:15]) / tick  # utime, stime, cutime, cstime
        name = stat.split("(", 1)[1].rsplit(")", 1)[0]
        if b"gunicorn" in cmdline:
            used["gunicorn"] += seconds
        elif name.startswith("postgres"):
            used["postgres"] += seconds
    own = os.times()
    used["clients"] = own.user + own.system
    return used


def form_session(port: int) -> tuple[str, str]:
    """GET the form once: the CSRF cookie and the token in the page."""
    conn = HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/requests/?country=US&subdivision=CA")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return cookie, token


def run_app(args: argparse.Namespace, port: int, total: int, prefix: str) -> tuple[list[float], float, list[str]]:
    per_client = [total // args.clients + (i < total % args.clients) for i in range(args.clients)]
    latencies: list[float] = []
    accepted: list[str] = []
    failures: list[str] = []
    sessions = [form_session(port) for _ in range(args.clients)]
    barrier = threading.Barrier(args.clients + 1)

    def client(index: int) -> None:
        cookie, token = sessions[index]
        barrier.wait()
        for n in range(per_client[index]):
            email = f"{prefix}-{index}-{n}@example.com"
            body = urllib.parse.urlencode({
                "csrfmiddlewaretoken": token, "country": "US", "subdivision": "CA", "rights": ["access", "erasure"],
                "full_name": f"Bench Client {index} {n}", "email": email, "relationship": "website_visitor",
                "declaration": "on"}, doseq=True)
            started = time.perf_counter()
            conn = HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("POST", "/requests/", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"})
            response = conn.getresponse()
            response.read()
            conn.close()
            latencies.append(time.perf_counter() - started)
            if response.status == 302:
                accepted.append(email)
            else:
                failures.append(f"{response.status}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    wall = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - wall
    if failures:
        print(f"NOT ACCEPTED: {len(failures)} ({sorted(set(failures))})")
    return latencies, wall, accepted


def check_stored(args: argparse.Namespace, accepted: list[str], queued_before: int) -> None:
    import redis
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("""SELECT count(DISTINCT s.id), count(DISTINCT c.id), count(DISTINCT m.id)
                       FROM subjects_datasubject d JOIN requests_app_submission s ON s.subject_id = d.id
                       JOIN requests_app_case c ON c.submission_id = s.id
                       LEFT JOIN outbox_message m ON m.submission_id = s.id
                       WHERE d.email LIKE 'bench-%%'""")
        submissions, cases, messages = cur.fetchone()
    queued = redis.Redis.from_url(args.redis_url).llen("celery") - queued_before
    ok = submissions == len(accepted) and cases == 2 * len(accepted) and messages == len(accepted) \
        and queued >= len(accepted)
    print(f"accepted {len(accepted)}: stored {submissions} submissions, {cases} cases, {messages} receipt e-mails; "
          f"{queued} delivery tasks queued in Redis -> {'OK' if ok else 'MISMATCH'}")
    connection.close()


def capture_one_submission() -> list[tuple[str, object]]:
    """The SQL one submission sends through the whole request (middleware, view, services), with parameters."""
    from django.db import connection
    from django.test import Client

    captured: list[tuple[str, object]] = []

    def wrapper(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    client = Client(REMOTE_ADDR="198.51.100.200")
    client.get("/requests/?country=US&subdivision=CA")
    with connection.execute_wrapper(wrapper):
        response = client.post("/requests/", {
            "country": "US", "subdivision": "CA", "rights": ["access", "erasure"], "full_name": "Captured Person",
            "email": "captured@example.com", "relationship": "website_visitor", "declaration": "on"})
    assert response.status_code == 302, response.status_code
    connection.close()
    return captured


# An upsert replayed with its captured key would update the same row in every replay: 20 connections would
# queue on that row's lock until each commits, which the app (a new key per submission) never does. Replayed,
# it inserts, or does nothing where the key is a primary key already stored (cheaper than the app, if anything).
_UPSERT = re.compile(r"ON CONFLICT\s*\([^)]*\)\s*DO UPDATE SET .*?(?=\s+RETURNING\b|\s*$)", re.S | re.I)


def replayable(statements: list[tuple[str, object]]) -> list[tuple[str, object]]:
    return [(_UPSERT.sub("ON CONFLICT DO NOTHING", sql), params) for sql, params in statements]


def run_raw(args: argparse.Namespace, statements: list[tuple[str, object]], count: int) -> tuple[list[float], float]:
    import psycopg

    statements = replayable(statements)
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        # Repeated values (the captured e-mail, reference, token…) must not be refused: drop the unique
        # constraints and indexes other than primary keys (the baseline does less index work, not more).
        rows = conn.execute("""SELECT conrelid::regclass::text, conname FROM pg_constraint
                               WHERE contype = 'u' AND connamespace = 'public'::regnamespace""").fetchall()
        for table, name in rows:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        rows = conn.execute("""SELECT i.indexrelid::regclass::text FROM pg_index i
                               JOIN pg_class c ON c.oid = i.indrelid
                               WHERE i.indisunique AND NOT i.indisprimary
                                 AND c.relnamespace = 'public'::regnamespace""").fetchall()
        for (index,) in rows:
            conn.execute(f"DROP INDEX {index}")
    per_client = [count // args.clients + (i < count % args.clients) for i in range(args.clients)]
    latencies: list[float] = []
    barrier = threading.Barrier(args.clients + 1)

    def client(index: int) -> None:
        with psycopg.connect(args.database_url) as conn:
            barrier.wait()
            for _ in range(per_client[index]):
                started = time.perf_counter()
                with conn.transaction(), conn.cursor() as cur:
                    for sql, params in statements:
                        cur.execute(sql, params)
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    wall = time.perf_counter()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - wall


def main() -> None:
    args = parse_args()
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    recreate_database(args.database_url)
    port = free_port()
    proc = None
    try:
        with tempfile.TemporaryDirectory(prefix="mp-bench-intake-") as var_dir:
            env = server_env(args, var_dir, port)
            setup(args, env)
            print(f"load average before: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")
            proc = start_gunicorn(args, env, port, Path(var_dir) / "gunicorn.log")
            _, _, warm = run_app(args, port, args.warmup, "warmup")
            before = cpu_seconds()
            latencies, wall, accepted = run_app(args, port, args.submissions, "bench")
            after = cpu_seconds()
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
            proc = None
            app = report(f"app: gunicorn x{args.workers}, {args.clients} clients", latencies, wall)
            print("CPU per submission: " + ", ".join(
                f"{who} {(after[who] - before[who]) / len(latencies) * 1000:.1f} ms" for who in after)
                  + f" (the machine has {os.cpu_count()} cores: {os.cpu_count() * 1000 / app['rate']:.1f} ms"
                    " of CPU time per submission at this rate)")
            check_stored(args, accepted, queued_before=len(warm))
            statements = capture_one_submission()
            writes = sum(1 for sql, _ in statements if not sql.lstrip().upper().startswith(("SELECT", "SAVEPOINT",
                                                                                            "RELEASE")))
            print(f"one submission sends {len(statements)} SQL statements ({writes} writes) through the request")
            raw_latencies, raw_wall = run_raw(args, statements, len(latencies))
            raw = report(f"raw SQL replay: {args.clients} connections", raw_latencies, raw_wall)
            print(f"ratio raw/app throughput {raw['rate'] / app['rate']:.2f}x; "
                  f"app/raw p95 {app['p95'] / raw['p95']:.2f}x")
            print(f"goal P2: >= 100 submissions/s {'MET' if app['rate'] >= 100 else 'NOT MET'}, "
                  f"p95 <= 100 ms {'MET' if app['p95'] <= 100 else 'NOT MET'}")
            print(f"load average after: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
