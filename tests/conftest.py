"""Fixtures shared by every app's tests: real services, real worker processes, a real browser.

A test that needs a service the machine lacks (Redis, PostgreSQL, Chromium) skips with a message
saying how to get it; CI sets MEDPRIVACY_STRICT_SKIPS=1, which turns every such skip into a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def require(condition: bool, reason: str) -> None:
    """Skip (or, under MEDPRIVACY_STRICT_SKIPS=1, fail) when a real part the test needs is missing."""
    if condition:
        return
    if os.environ.get("MEDPRIVACY_STRICT_SKIPS") == "1":
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require_redis() -> None:
    require(bool(settings.REDIS_URL), "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")


def require_postgres() -> None:
    require(connection.vendor == "postgresql",
            "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/medprivacy")


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    from consents.selectors import api_lookups_forget

    cache.clear()
    api_lookups_forget()  # the consent API's per-process cache: rows of a rolled-back test are gone
    yield


@pytest.fixture(autouse=True)
def _reference_sequences_dropped(request, django_db_blocker) -> Iterator[None]:
    """Drop the per-year case-reference sequences a committing test created (flush does not reset them).

    A test in a rolled-back transaction leaves none (CREATE SEQUENCE is transactional); one that commits
    (transactional_db, live_server, worker processes) would otherwise hand later tests DSR-2026-000012.
    """
    yield
    marker = request.node.get_closest_marker("django_db")
    committing = {"transactional_db", "live_server", "django_db_reset_sequences"} & set(request.fixturenames)
    if not committing and not (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))):
        return
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'S'"
                           " AND relname LIKE 'requests_app_reference_%'")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP SEQUENCE IF EXISTS "{name}"')


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Test users' passwords are hashed with MD5: the production hasher (Django's default PBKDF2, which
    medprivacy/settings.py keeps) spends half a second per user on purpose, a minute of the suite in all."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _second_factor_off(settings) -> None:
    """Tests log staff in with force_login; the second factor has its own tests (tests/security)."""
    settings.MEDPRIVACY_2FA_REQUIRED_FOR_SUPERVISORS = False


def database_url_for_subprocess() -> str:
    """The URL of the database the tests are using right now (the test database)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url_for_subprocess()
    env.update(extra)
    return env


class WorkerProcess:
    """A real `celery worker` process bound to the test database and the configured broker."""

    def __init__(self, name: str, log_path: Path, extra_env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "medprivacy", "worker", "--loglevel=INFO",
             "--concurrency=1", "--pool=prefork", f"--hostname={name}@%h", "--without-mingle",
             "--without-gossip"],
            cwd=ROOT, env=subprocess_env(**(extra_env or {})), stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.output()}")
            if b"ready." in self.log_path.read_bytes():
                return
            time.sleep(0.2)
        raise TimeoutError(f"worker not ready in {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_bytes().decode(errors="replace")[-4000:]

    def kill(self) -> None:
        """Kill the whole worker at once, as a crash or OOM would."""
        self.proc.kill()
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def start_worker(transactional_db, tmp_path) -> Iterator:
    """Start real worker processes: `start_worker("w1")`; all are stopped after the test."""
    workers: list[WorkerProcess] = []

    def start(name: str = "w1", **extra_env: str) -> WorkerProcess:
        worker = WorkerProcess(name, tmp_path / f"{name}.log", extra_env)
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture(scope="session")
def _playwright_browser():
    require(Path(CHROMIUM).exists() and os.access(CHROMIUM, os.X_OK),
            "needs Debian's Chromium for browser tests: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django refuses database setup
    # in a thread with a running loop unless told it is safe (the ORM calls here are synchronous).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(_playwright_browser, live_server):
    """A fresh browser page; tests navigate to live_server.url."""
    context = _playwright_browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()




PUBLIC_TEST_ADDRESS = "93.184.216.34"  # a public (global) address; nothing is sent to it


@pytest.fixture
def public_dns(monkeypatch):
    """Resolve *.example.com to a public address (the machine has no DNS); other names resolve as usual."""
    import socket

    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if isinstance(host, str) and (host == "example.com" or host.endswith(".example.com")):
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (PUBLIC_TEST_ADDRESS, port or 443))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
