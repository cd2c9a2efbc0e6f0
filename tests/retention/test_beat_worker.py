"""The daily purge as production runs it: a real `celery beat` with the database scheduler sends the
installed periodic task through Redis, and a real worker executes it against the test database."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from medprivacy import scheduling
from requests_app.models import Case
from retention.models import PurgeRun
from tests.conftest import ROOT, require_redis, subprocess_env
from tests.retention.helpers import closed_request, only_rule

pytestmark = pytest.mark.worker


def test_beat_sends_the_installed_daily_purge_and_a_worker_runs_it(start_worker, tmp_path):
    require_redis()
    only_rule("privacy_request_records")
    # Real clock here: the worker and beat run outside any frozen time.
    old = closed_request(dt.datetime(2023, 3, 1, 12, 0, tzinfo=dt.UTC))
    recent = closed_request(dt.datetime.now(dt.UTC) - dt.timedelta(days=20))
    scheduling.install_periodic_jobs()
    job = PeriodicTask.objects.get(task="retention.purge_scheduled")
    assert job.crontab is not None and job.enabled  # daily by default
    # Make the installed job due now: hourly, last run two hours ago.
    job.interval, _ = IntervalSchedule.objects.get_or_create(every=3600, period=IntervalSchedule.SECONDS)
    job.crontab = None
    job.last_run_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    job.save()
    PeriodicTask.objects.exclude(pk=job.pk).update(enabled=False)

    start_worker("purger")
    log = open(tmp_path / "beat.log", "wb")  # noqa: SIM115 - closed below
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "medprivacy", "beat", "--loglevel=INFO",
         "--scheduler=django_celery_beat.schedulers:DatabaseScheduler", "--max-interval=1",
         f"--pidfile={tmp_path / 'beat.pid'}"],
        cwd=ROOT, env=subprocess_env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        run = None
        while time.monotonic() < deadline:
            run = PurgeRun.objects.filter(status=PurgeRun.Status.FINISHED).first()
            if run is not None:
                break
            assert beat.poll() is None, (tmp_path / "beat.log").read_text()
            time.sleep(0.3)
        assert run is not None, (tmp_path / "beat.log").read_text()[-3000:]
    finally:
        beat.terminate()
        beat.wait(timeout=20)
        log.close()
    assert "Sending due task Retention: daily purge (retention.purge_scheduled)" in \
        (tmp_path / "beat.log").read_text()
    assert (run.trigger, run.mode) == (PurgeRun.Trigger.SCHEDULE, PurgeRun.Mode.LIVE)
    assert run.items.get(target="requests.case").deleted == 1
    assert not Case.objects.filter(pk=old.pk).exists()
    assert Case.objects.filter(pk=recent.pk).exists()
