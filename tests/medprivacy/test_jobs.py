"""Job runs: every run of every job is recorded, failures included, and readable (only) in the admin."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Permission

from medprivacy import roles, scheduling, tasks
from medprivacy.jobs import job_run
from medprivacy.models import JobRun
from medprivacy.schedule import PERIODIC_JOBS
from tests.factories import UserFactory, supervisor

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def test_a_successful_run_records_start_finish_and_items():
    with time_machine.travel(T0, tick=False) as clock:
        with job_run("purge") as run:
            assert JobRun.objects.get().status == "running"  # visible while it runs
            run.handled(3)
            clock.shift(dt.timedelta(seconds=2))
    row = JobRun.objects.get()
    assert (row.name, row.status, row.items_handled, row.errors_count, row.error_summary) == (
        "purge", "succeeded", 3, 0, "")
    assert (row.started_at, row.finished_at, row.duration_seconds) == (T0, T0 + dt.timedelta(seconds=2), 2.0)


def test_item_errors_make_a_partial_run_with_class_names_only():
    with job_run("reminders") as run:
        run.handled(5)
        run.error(ConnectionRefusedError("smtp.example.com refused alice@example.com"))
        run.error(ConnectionRefusedError("again"))
        run.error("NoRecipients", 2)
    row = JobRun.objects.get()
    assert (row.status, row.items_handled, row.errors_count) == ("partial", 5, 4)
    assert row.error_summary == "ConnectionRefusedError×2, NoRecipients×2"
    assert "alice" not in row.error_summary


def test_a_failing_job_is_recorded_as_failed_and_the_error_still_raised():
    with pytest.raises(KeyError):
        with job_run("verification") as run:
            run.handled(1)
            raise KeyError("subject@example.com")
    row = JobRun.objects.get()
    assert (row.status, row.items_handled, row.errors_count, row.error_summary) == ("failed", 1, 1, "KeyError×1")
    assert row.finished_at is not None
    assert "subject@example.com" not in row.error_summary


def test_every_scheduled_sweep_is_installed_next_to_the_heartbeat():
    from django_celery_beat.models import PeriodicTask

    scheduling.install_periodic_jobs()
    tasks = dict(PeriodicTask.objects.values_list("task", "interval__every"))
    assert tasks == {"medprivacy.beat_tick": 30, "medprivacy.close_abandoned_job_runs": 600,
                     "requests_app.reminders_sweep": 300,
                     "requests_app.verification_sweep": 300, "outbox.messages_retry_sweep": 60,
                     # Fulfilment (issue 9) and retention (crontab: no interval) sweeps.
                     "fulfilment.sweep_retries": 60, "fulfilment.sweep_expired_packages": 3600,
                     "retention.purge_scheduled": None,
                     # DRP status callback retries (issue 17).
                     "drp.sweep_callbacks": 60,
                     # Clinics reminded of forwarded patient requests (issue 15).
                     "requests_app.referrals_chase_sweep": 3600,
                     # The audit chain's daily checkpoint (issue 16; crontab).
                     "audit.checkpoint": None,
                     # Review reminders of risk assessments (issue 21).
                     "assessments.reminders_sweep": 3600}
    assert len(PERIODIC_JOBS) == 12  # every entry above but the heartbeat, which beat sends itself


def test_job_runs_are_read_only_in_the_admin(client):
    admin = UserFactory(username="root", is_superuser=True)
    with job_run("reminders"):
        pass
    row = JobRun.objects.get()
    client.force_login(admin)
    assert client.get("/admin/medprivacy/jobrun/").status_code == 200
    assert client.get(f"/admin/medprivacy/jobrun/{row.pk}/change/").status_code == 200  # view only
    assert client.get("/admin/medprivacy/jobrun/add/").status_code == 403
    assert client.post(f"/admin/medprivacy/jobrun/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert JobRun.objects.filter(pk=row.pk).exists()


def test_supervisors_may_view_job_runs_and_reminders_but_not_change_them(client):
    roles.ensure_roles()
    sue = supervisor("sue")
    codenames = set(Permission.objects.filter(group__name=roles.SUPERVISORS).values_list("codename", flat=True))
    assert {"view_jobrun", "view_reminder"} <= codenames
    assert not {"change_jobrun", "change_reminder", "delete_jobrun"} & codenames
    client.force_login(sue)
    assert client.get("/admin/medprivacy/jobrun/").status_code == 200
    assert client.get("/admin/requests_app/reminder/").status_code == 200


def test_a_run_left_running_by_a_killed_worker_is_closed_by_the_sweep_after_the_timeout(settings):
    settings.MEDPRIVACY_JOB_RUN_TIMEOUT_SECONDS = 3600
    start = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        killed = JobRun.objects.create(name="reminders", started_at=start)  # never finished
        finished = JobRun.objects.create(name="reminders", started_at=start, finished_at=start,
                                         status=JobRun.Status.SUCCEEDED)
    with time_machine.travel(start + dt.timedelta(minutes=59), tick=False):
        tasks.close_abandoned_job_runs()
        fresh = JobRun.objects.create(name="verification", started_at=start + dt.timedelta(minutes=59))
    killed.refresh_from_db()
    assert killed.status == JobRun.Status.RUNNING  # it may still be working
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        tasks.close_abandoned_job_runs()
    killed.refresh_from_db(), finished.refresh_from_db(), fresh.refresh_from_db()
    assert (killed.status, killed.finished_at) == ("abandoned", start + dt.timedelta(minutes=61))
    assert killed.error_summary == "Abandoned: still running after 3600 s"
    assert (finished.status, fresh.status) == ("succeeded", "running")
    sweeps = JobRun.objects.filter(name="close_abandoned_job_runs").order_by("pk")
    assert [(run.status, run.items_handled) for run in sweeps] == [("succeeded", 0), ("succeeded", 1)]
