"""The foundation: settings posture, health probe, schedule installation, demo data, a real worker."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from medprivacy import demo, health, roles, scheduling
from medprivacy.schedule import PERIODIC_JOBS
from requests_app.models import Case
from tests.conftest import ROOT

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_HTTPS": "true",
    "DJANGO_SECRET_KEY": "k" * 10 + "x8Qv2-LmZp4Rt7Wy9Bc3Df6Gh1Jk5Np0Sr2Uv4Xz6_Ab8Cd0Ef",
    "DJANGO_ALLOWED_HOSTS": "privacy.meddimensions.example",
    "DJANGO_ENV_FILE": "/nonexistent/.env",
    "REDIS_URL": "redis://127.0.0.1:6379/0",  # production counts rate limits in Redis (security.W001)
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_refuses_a_placeholder_secret_key():
    result = _manage("check", env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "change-me"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_healthz_is_200_when_database_broker_and_beat_are_fresh(client):
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC), tick=False):
        health.record_beat_tick()
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, 1, tzinfo=dt.UTC), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["broker"]["status"] == "ok"
    assert body["beat"] == {"status": "ok", "last_tick": "2026-11-25T12:00:00+00:00", "age_seconds": 60}


@pytest.mark.django_db
def test_healthz_is_503_when_beat_is_stale(client, settings):
    settings.BEAT_STALE_AFTER_SECONDS = 180
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC), tick=False):
        health.record_beat_tick()
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, 3, 1, tzinfo=dt.UTC), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["beat"]["status"] == "stale"
    assert response.json()["database"]["status"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_when_beat_never_ticked(client):
    cache.clear()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["beat"] == {"status": "stale", "last_tick": None}


@pytest.mark.django_db
def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_install_schedule_is_idempotent_and_keeps_admin_edits():
    created, kept = scheduling.install_periodic_jobs()
    assert (created, kept) == (len(PERIODIC_JOBS), 0)
    tick = PeriodicTask.objects.get(task="medprivacy.beat_tick")
    assert tick.interval.every == 30 and tick.interval.period == IntervalSchedule.SECONDS
    # An officer slows the heartbeat in the admin; a second install must not undo it.
    slow, _ = IntervalSchedule.objects.get_or_create(every=90, period=IntervalSchedule.SECONDS)
    tick.interval = slow
    tick.save()
    assert scheduling.install_periodic_jobs() == (0, len(PERIODIC_JOBS))
    tick.refresh_from_db()
    assert tick.interval.every == 90
    assert PeriodicTask.objects.filter(task="medprivacy.beat_tick").count() == 1
    scheduling.install_periodic_jobs(reset=True)
    tick.refresh_from_db()
    assert tick.interval.every == 30


@pytest.mark.django_db
def test_seed_demo_creates_roles_and_accounts_once(tmp_path):
    logins = tmp_path / "logins.txt"
    first = demo.seed_demo(logins_file=logins)
    second = demo.seed_demo(logins_file=logins)
    assert [(a.username, a.password) for a in first] == [(a.username, a.password) for a in second]
    assert {a.username for a in first} == {"admin", "supervisor", "officer1", "officer2"}
    User = get_user_model()
    assert User.objects.get(username="admin").is_superuser
    assert set(Group.objects.values_list("name", flat=True)) >= {roles.SUPERVISORS, roles.OFFICERS}
    officer = User.objects.get(username="officer1")
    assert officer.is_staff and not officer.is_superuser
    assert list(officer.groups.values_list("name", flat=True)) == [roles.OFFICERS]
    assert officer.check_password(json.loads(logins.read_text())["officer1"])
    assert oct(logins.stat().st_mode & 0o777) == "0o600"
    # Demo requests are filed once, through the real intake, and one is assigned to officer1.
    assert Case.objects.count() == 4
    assert Case.objects.filter(assignee__username="officer1").count() == 1


@pytest.mark.django_db
def test_home_page_names_the_company_and_uses_no_external_assets(client, settings):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert settings.COMPANY_NAME in html
    # The hreflang alternates name this same site's page in the other languages (absolute, as search engines
    # ask); they are links, not assets.
    html = re.sub(r'<link rel="alternate" hreflang="[a-z]+" href="http://testserver/[^"]*">', "", html)
    assert "http://" not in html.replace(f"mailto:{settings.PRIVACY_CONTACT_EMAIL}", "")
    assert "https://" not in html


@pytest.mark.worker
def test_a_real_worker_round_trips_a_task_through_the_configured_broker(start_worker):
    from medprivacy.celery import ping

    start_worker("roundtrip")
    assert ping.delay().get(timeout=60) == "pong"


@pytest.mark.worker
def test_beat_tick_task_run_by_a_real_worker_makes_healthz_see_beat(start_worker, client):
    from medprivacy.tasks import beat_tick

    cache.clear()
    start_worker("ticker")
    beat_tick.delay()
    for _ in range(150):
        if health.check_beat().ok:
            break
        import time

        time.sleep(0.2)
    assert health.check_beat().ok
