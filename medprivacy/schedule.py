"""The project's periodic jobs, installed into django-celery-beat's tables by `install_schedule`.

Each app appends its jobs here so there is one list to read. Installing is idempotent: a job that
already exists keeps whatever interval or enabled flag an officer set in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    every_seconds: int | None = None
    crontab: str | None = None  # "minute hour day_of_month month_of_year day_of_week", UTC
    description: str = ""


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        name="Beat heartbeat",
        task="medprivacy.beat_tick",
        every_seconds=30,
        description="Proves that beat schedules and a worker runs tasks; read by /healthz.",
    ),
    PeriodicJob(
        name="Abandoned job runs",
        task="medprivacy.close_abandoned_job_runs",
        every_seconds=600,
        description="Closes job runs still marked running after MEDPRIVACY_JOB_RUN_TIMEOUT_SECONDS "
                    "(their worker was killed), so none stays running forever.",
    ),
    PeriodicJob(
        name="Deadline reminders and escalations",
        task="requests_app.reminders_sweep",
        every_seconds=300,
        description="Finds due reminders and overdue escalations, claims each once and e-mails staff.",
    ),
    PeriodicJob(
        name="Verification reminders and expiry",
        task="requests_app.verification_sweep",
        every_seconds=300,
        description="Reminds requesters to verify after a day; closes requests whose verification expired.",
    ),
    PeriodicJob(
        name="Message delivery retry",
        task="outbox.messages_retry_sweep",
        every_seconds=60,
        description="Sends every e-mail whose next attempt is due (lost task, failed send, stale claim), "
                    "with backoff; at least once, a copy keeps its Message-ID.",
    ),
    # Fulfilment: webhook retries with backoff, and deletion of expired access packages.
    PeriodicJob(
        name="Fulfilment connector retries",
        task="fulfilment.sweep_retries",
        every_seconds=60,
        description="Sends fulfilment tasks whose next attempt is due; fails them after the last attempt.",
    ),
    PeriodicJob(
        name="DRP status callback retries",
        task="drp.sweep_callbacks",
        every_seconds=60,
        description="Retries status callbacks to authorized agents whose next attempt is due; forgets "
                    "expired replay records.",
    ),
    PeriodicJob(
        name="Expired access packages",
        task="fulfilment.sweep_expired_packages",
        every_seconds=3600,
        description="Deletes access-package files whose download link has expired.",
    ),
    PeriodicJob(
        name="Retention: daily purge",
        task="retention.purge_scheduled",
        crontab="30 3 * * *",
        description="Applies the retention schedule (retention rules, legal holds); resumes an interrupted run.",
    ),
    PeriodicJob(
        name="Patient requests: remind clinics",
        task="requests_app.referrals_chase_sweep",
        every_seconds=3600,
        description="Reminds clinics that have not answered a patient request we forwarded to them.",
    ),
    PeriodicJob(
        name="Audit chain: daily checkpoint",
        task="audit.checkpoint",
        crontab="0 4 * * *",
        description="Verifies the audit chain, records its head hash and e-mails it to the outside addresses.",
    ),
    PeriodicJob(
        name="Risk assessments: review reminders",
        task="assessments.reminders_sweep",
        every_seconds=3600,
        description="E-mails the owner of each risk assessment once per due date: 3-year review, update "
                    "within 45 days of a material change, pre-2026 processing by 2027-12-31.",
    ),
)
